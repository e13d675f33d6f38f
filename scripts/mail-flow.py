#!/usr/bin/env python3
"""A grant round against the real `grants` binary, with mail going to aiosmtpd.

Starts aiosmtpd (Mailbox handler, one file per mail in a maildir) and `grants serve` on the
embedded SQLite default with the SMTP transport, drives a round over HTTP the way a client
would (registration confirmed with the mailed code, submission, revision, resubmission,
review, approval), and checks that every mail arrives once, in the recipient's language,
with its facts. Prints a cargo-style
`test result:` line so the test command counts it.

Usage: mail-flow.py PATH_TO_GRANTS PYTHON_WITH_AIOSMTPD
"""

import email
import email.policy
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone

from harness import PASSWORD, TIMEOUT, Api, confirmation_code, free_port, wait_for_port


def round_trip(api):
    """Runs the round; returns what the mails must say."""
    admin = api.token("admin@grants.kz")
    officer = api.staff(admin, "officer@grants.kz", "officer", "ru")
    reviewer = api.staff(admin, "expert@grants.kz", "reviewer", "en")
    reviewer_id = api.call("GET", "/api/v1/me", reviewer)["id"]
    now = datetime.now(timezone.utc)
    call = api.published_call(officer, [reviewer_id])
    applicant = api.applicant("aigerim@mail.kz", "Айгерім")
    org = api.organization(applicant, "040540001230")
    title = "Ауылдағы әйелдер орталығы"
    application = api.draft(applicant, call, org, title)
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


def parse(path):
    with open(path, "rb") as handle:
        return email.message_from_binary_file(handle, policy=email.policy.default)


def confirm_from_mail(maildir):
    """Confirms an address with the code from the confirmation mail that reaches it."""
    def confirm(api, address):
        new = os.path.join(maildir, "new")
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            for name in sorted(os.listdir(new)) if os.path.isdir(new) else []:
                mail = parse(os.path.join(new, name))
                if address in str(mail["To"]) and CONFIRMATION in str(mail["Subject"]):
                    text = mail.get_body(preferencelist=("plain",)).get_content()
                    api.verify_email(confirmation_code(text))
                    return
            time.sleep(0.1)
        raise SystemExit(f"no confirmation mail reached {address}")
    return confirm


CONFIRMATION = "электрондық пошта мекенжайыңызды растаңыз"


def read_mails(maildir, count):
    new = os.path.join(maildir, "new")
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        names = sorted(os.listdir(new)) if os.path.isdir(new) else []
        if len(names) >= count:
            break
        time.sleep(0.1)
    time.sleep(0.5)  # anything extra would arrive now
    return [parse(os.path.join(new, name)) for name in sorted(os.listdir(new))]


def check(mails, facts):
    problems = []
    expect = lambda ok, what: ok or problems.append(what)
    expect(len(mails) == 7, f"expected 7 mails, got {len(mails)}")
    ids = {m["Message-ID"] for m in mails}
    expect(len(ids) == len(mails), "a Message-ID repeats")
    to_applicant = [m for m in mails if "aigerim@mail.kz" in str(m["To"])]
    to_reviewer = [m for m in mails if "expert@grants.kz" in str(m["To"])]
    expect(len(to_applicant) == 6, f"{len(to_applicant)} mails to the applicant")
    confirmations = [m for m in to_applicant if CONFIRMATION in str(m["Subject"])]
    expect(len(confirmations) == 1, f"{len(confirmations)} confirmation mails")
    expect(len(to_reviewer) == 1, f"{len(to_reviewer)} mails to the reviewer")
    for mail in mails:
        text = mail.get_body(preferencelist=("plain",)).get_content()
        html = mail.get_body(preferencelist=("html",)).get_content()
        expect(mail in confirmations or facts["title"] in str(mail["Subject"]),
               f"subject {mail['Subject']!r}")
        expect(str(mail["Message-ID"]).endswith("@granty.test>"), f"Message-ID {mail['Message-ID']}")
        expect(html.lstrip().lower().startswith("<!doctype html>"), "HTML body")
        if mail in to_applicant:
            greeting = "Құрметті өтініш беруші" if mail in confirmations else "Құрметті Айгерім"
            expect(greeting in text, f"not in Kazakh: {text[:80]!r}")
        else:
            expect("Dear Staff" in text, f"not in English: {text[:80]!r}")
    bodies = "\n".join(m.get_body(preferencelist=("plain",)).get_content() for m in to_applicant)
    for fact in [facts["receipt"], "Бюджетті нақтылаңыз", "750\u00a0000\u00a0теңге",
                 f"https://granty.test/applications/{facts['application']}/feedback"]:
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
        api = Api(f"http://127.0.0.1:{http_port}", confirm_from_mail(maildir))
        facts = round_trip(api)
        problems = check(read_mails(maildir, 7), facts)
        sent = api.call("GET", "/api/v1/admin/outbox?status=sent", facts["admin"])["items"]
        if len(sent) != 7:
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
    print("mail flow through aiosmtpd: 7 mails delivered once each, in Kazakh and English,"
          " the first confirming the applicant's address")
    print("test result: ok. 1 passed; 0 failed; 0 ignored")
    return 0


if __name__ == "__main__":
    sys.exit(main())
