#!/usr/bin/env python3
"""A grant round against the real `grants` binary, with mail going to aiosmtpd.

Starts aiosmtpd (Mailbox handler, one file per mail in a maildir) and `grants serve` on the
embedded SQLite default with the SMTP transport, drives a round over HTTP the way a client
would (submission, revision, resubmission, review, approval), and checks that every mail
arrives once, in the recipient's language, with its facts. Prints a cargo-style
`test result:` line so the test command counts it.

Usage: mail-flow.py PATH_TO_GRANTS PYTHON_WITH_AIOSMTPD
"""

import email
import email.policy
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

PASSWORD = "көктем-ауыл-2026"
TIMEOUT = 30


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, process, what):
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"{what} did not listen on {port}")


class Api:
    def __init__(self, base):
        self.base = base

    def call(self, method, path, token=None, body=None, expect=(200, 201)):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        if status not in expect:
            raise SystemExit(f"{method} {path}: {status} {text}")
        return json.loads(text) if text else None

    def token(self, address):
        tokens = self.call("POST", "/api/v1/auth/login", body={"email": address, "password": PASSWORD})
        return tokens["access_token"]


def round_trip(api):
    """Runs the round; returns what the mails must say."""
    admin = api.token("admin@grants.kz")
    for address, role, language in [
        ("officer@grants.kz", "officer", "ru"),
        ("expert@grants.kz", "reviewer", "en"),
    ]:
        api.call("POST", "/api/v1/users", admin, {
            "email": address, "name": "Staff", "password": PASSWORD, "role": role, "language": language,
        })
    officer = api.token("officer@grants.kz")
    reviewer = api.token("expert@grants.kz")
    reviewer_id = api.call("GET", "/api/v1/me", reviewer)["id"]
    now = datetime.now(timezone.utc)
    call = api.call("POST", "/api/v1/calls", officer, {
        "title": "Ауыл аманаты 2027",
        "description": "Гранты для сельских НПО",
        "priority_areas": ["women_and_children"],
        "budget": "10000000", "min_grant": "100000", "max_grant": "3000000",
        "cofinancing_share": "0.1",
        "opens_at": (now - timedelta(days=1)).isoformat(),
        "closes_at": (now + timedelta(days=30)).isoformat(),
        "eligibility": {"rural_only": True, "min_years_registered": 1, "regions": []},
        "rubric": [{"key": "relevance", "title": "Relevance", "max_score": 10, "weight": 1}],
        "reviewers_per_application": 1, "fundable_min_score": 50,
        "disagreement_spread": 30, "aggregation": "mean",
    })["id"]
    api.call("POST", f"/api/v1/calls/{call}/publish", officer)
    api.call("POST", f"/api/v1/calls/{call}/reviewers", officer, {"reviewer_id": reviewer_id})

    api.call("POST", "/api/v1/auth/register", body={
        "email": "aigerim@mail.kz", "password": PASSWORD, "name": "Айгерім", "language": "kk",
    })
    applicant = api.token("aigerim@mail.kz")
    org = api.call("POST", "/api/v1/organizations", applicant, {
        "name": "Ақ ниет", "bin": "040540001230", "region": "aktobe", "settlement": "Шалқар",
        "rural": True, "registered_on": "2019-03-01", "contact_email": "aqniet@mail.kz",
    })["id"]
    title = "Ауылдағы әйелдер орталығы"
    application = api.call("POST", f"/api/v1/calls/{call}/applications", applicant, {
        "organization_id": org, "title": title, "summary": "Орталық ашу",
        "problem": "Әйелдерге көмек жоқ", "goals": "Орталық", "activities": "Жөндеу, тренинг",
        "target_groups": ["women"], "beneficiaries": 200, "settlement": "Шалқар",
        "duration_months": 12,
        "budget_lines": [{"category": "equipment", "description": "Жиһаз", "quantity": 2,
                          "unit_cost": "500000", "cofinanced": "200000"}],
    })["id"]
    path = f"/api/v1/applications/{application}"
    receipt = api.call("POST", f"{path}/submit", applicant)["receipt_sha256"]
    api.call("POST", f"{path}/request-revision", officer, {
        "comment": "Бюджетті нақтылаңыз", "revision_due_at": (now + timedelta(days=5)).isoformat(),
    })
    api.call("POST", f"{path}/resubmit", applicant)
    assignment = api.call("POST", f"{path}/assignments", officer, {
        "reviewer_id": reviewer_id, "due_at": (now + timedelta(days=10)).isoformat(),
    })["id"]
    api.call("PUT", f"/api/v1/assignments/{assignment}/review", reviewer, {
        "scores": [{"criterion": "relevance", "score": 9}],
        "comment": "A strong village project", "recommendation": "fund", "confidence": 3,
    })
    api.call("POST", f"/api/v1/assignments/{assignment}/review/submit", reviewer)
    api.call("POST", f"{path}/approve", officer, {"awarded_amount": "750000"})
    return {"title": title, "receipt": receipt, "application": application, "admin": admin}


def read_mails(maildir, count):
    new = os.path.join(maildir, "new")
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        names = sorted(os.listdir(new)) if os.path.isdir(new) else []
        if len(names) >= count:
            break
        time.sleep(0.1)
    time.sleep(0.5)  # anything extra would arrive now
    mails = []
    for name in sorted(os.listdir(new)):
        with open(os.path.join(new, name), "rb") as handle:
            mails.append(email.message_from_binary_file(handle, policy=email.policy.default))
    return mails


def check(mails, facts):
    problems = []
    expect = lambda ok, what: ok or problems.append(what)
    expect(len(mails) == 6, f"expected 6 mails, got {len(mails)}")
    ids = {m["Message-ID"] for m in mails}
    expect(len(ids) == len(mails), "a Message-ID repeats")
    to_applicant = [m for m in mails if "aigerim@mail.kz" in str(m["To"])]
    to_reviewer = [m for m in mails if "expert@grants.kz" in str(m["To"])]
    expect(len(to_applicant) == 5, f"{len(to_applicant)} mails to the applicant")
    expect(len(to_reviewer) == 1, f"{len(to_reviewer)} mails to the reviewer")
    for mail in mails:
        text = mail.get_body(preferencelist=("plain",)).get_content()
        html = mail.get_body(preferencelist=("html",)).get_content()
        expect(facts["title"] in str(mail["Subject"]), f"subject {mail['Subject']!r}")
        expect(str(mail["Message-ID"]).endswith("@granty.test>"), f"Message-ID {mail['Message-ID']}")
        expect(html.lstrip().lower().startswith("<!doctype html>"), "HTML body")
        if mail in to_applicant:
            expect("Құрметті Айгерім" in text, f"not in Kazakh: {text[:80]!r}")
        else:
            expect("Dear Staff" in text, f"not in English: {text[:80]!r}")
    bodies = "\n".join(m.get_body(preferencelist=("plain",)).get_content() for m in to_applicant)
    for fact in [facts["receipt"], "Бюджетті нақтылаңыз", "750\u00a0000\u00a0теңге",
                 f"https://granty.test/api/v1/applications/{facts['application']}/feedback"]:
        expect(fact in bodies, f"no mail says {fact!r}")
    return problems


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    grants, python = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp(prefix="grants-mail-flow-")
    maildir = os.path.join(work, "maildir")
    smtp_port, http_port = free_port(), free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "GRANTS_DATA_DIR": os.path.join(work, "data"),
        "GRANTS_BIND": f"127.0.0.1:{http_port}",
        "GRANTS_MAIL_TRANSPORT": "smtp",
        "GRANTS_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}?tls=none",
        "GRANTS_MAIL_FROM": "Гранты <grants@granty.test>",
        "GRANTS_PUBLIC_URL": "https://granty.test",
        "GRANTS_MAIL_POLL_MS": "100",
        "GRANTS_LOG": "warn",
    }
    processes = []
    try:
        smtpd = subprocess.Popen(
            [python, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{smtp_port}",
             "-c", "aiosmtpd.handlers.Mailbox", maildir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(smtpd)
        wait_for_port(smtp_port, smtpd, "aiosmtpd")
        subprocess.run([grants, "admin", "create", "--email", "admin@grants.kz", "--name", "Admin",
                        "--password-stdin"], input=PASSWORD + "\n", text=True, env=env,
                       check=True, stdout=subprocess.DEVNULL)
        server = subprocess.Popen([grants, "serve"], env=env, stdout=subprocess.DEVNULL)
        processes.append(server)
        wait_for_port(http_port, server, "grants serve")
        api = Api(f"http://127.0.0.1:{http_port}")
        facts = round_trip(api)
        problems = check(read_mails(maildir, 6), facts)
        sent = api.call("GET", "/api/v1/admin/outbox?status=sent", facts["admin"])["items"]
        if len(sent) != 6:
            problems.append(f"{len(sent)} outbox rows are marked sent")
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(work, ignore_errors=True)
    if problems:
        print("mail flow through aiosmtpd FAILED:\n  " + "\n  ".join(problems))
        print("test result: FAILED. 0 passed; 1 failed; 0 ignored")
        return 1
    print("mail flow through aiosmtpd: 6 mails delivered once each, in Kazakh and English")
    print("test result: ok. 1 passed; 0 failed; 0 ignored")
    return 0


if __name__ == "__main__":
    sys.exit(main())
