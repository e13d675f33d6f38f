"""What the scripts that drive the real `grants` binary share: free ports, waiting for a
process to listen, a small JSON client, and the sample call and application they submit."""

import json
import re
import socket
import subprocess
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


def confirm_with_cli(grants, env):
    """Confirms a registered address the way an operator does by hand."""
    def confirm(api, address):
        subprocess.run([grants, "admin", "confirm-email", "--email", address], env=env,
                       check=True, stdout=subprocess.DEVNULL)
    return confirm


CODE = re.compile(r"^[A-Za-z0-9_-]{64}$")


def confirmation_code(text):
    """The confirmation code in the plain-text body of a confirmation mail."""
    for line in text.splitlines():
        if CODE.match(line.strip()):
            return line.strip()
    raise SystemExit(f"no confirmation code in {text[:200]!r}")


def call_body():
    """The sample call: open since yesterday for thirty days, one reviewer per application."""
    now = datetime.now(timezone.utc)
    return {
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
    }


def application_body(org, title):
    """The sample application of organisation `org`, complete enough to submit."""
    return {
        "organization_id": org, "title": title, "summary": "Орталық ашу",
        "problem": "Әйелдерге көмек жоқ", "goals": "Орталық", "activities": "Жөндеу, тренинг",
        "target_groups": ["women"], "beneficiaries": 200, "settlement": "Шалқар",
        "duration_months": 12,
        "budget_lines": [{"category": "equipment", "description": "Жиһаз", "quantity": 2,
                          "unit_cost": "500000", "cofinanced": "200000"}],
    }


class Api:
    def __init__(self, base, confirm):
        """`confirm(api, address)` confirms a just-registered address."""
        self.base = base
        self.confirm = confirm

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

    def staff(self, admin, address, role, language):
        self.call("POST", "/api/v1/users", admin, {
            "email": address, "name": "Staff", "password": PASSWORD, "role": role, "language": language,
        })
        return self.token(address)

    def applicant(self, address, name, language="kk"):
        self.call("POST", "/api/v1/auth/register", expect=(202,), body={
            "email": address, "password": PASSWORD, "name": name, "language": language,
        })
        self.confirm(self, address)
        return self.token(address)

    def verify_email(self, code):
        return self.call("POST", "/api/v1/auth/verify-email", body={"token": code})

    def organization(self, token, bin_number):
        return self.call("POST", "/api/v1/organizations", token, {
            "name": "Ақ ниет", "bin": bin_number, "region": "aktobe", "settlement": "Шалқар",
            "rural": True, "registered_on": "2019-03-01", "contact_email": "aqniet@mail.kz",
        })["id"]

    def published_call(self, officer, reviewer_ids):
        call = self.call("POST", "/api/v1/calls", officer, call_body())["id"]
        self.call("POST", f"/api/v1/calls/{call}/publish", officer)
        for reviewer in reviewer_ids:
            self.call("POST", f"/api/v1/calls/{call}/reviewers", officer, {"reviewer_id": reviewer})
        return call

    def draft(self, token, call, org, title):
        return self.call("POST", f"/api/v1/calls/{call}/applications", token,
                         application_body(org, title))["id"]
