#!/usr/bin/env python3
"""The README's grant round, through a Python client generated from the committed API
document by openapi-python-client, against the real `grants` binary on its embedded
defaults (SQLite, mail written to files). Every request goes through the generated
function of its operation, with its body built by the generated model and its answer
parsed into the generated model of its status; a status the document does not declare, or
an answer the model cannot read, fails the round. Prints a cargo-style `test result:` line.

Usage: client-round.py PATH_TO_GRANTS PATH_TO_OPENAPI_PYTHON_CLIENT
       (run with the Python that has openapi-python-client, httpx and python-dateutil)
"""

import email
import email.policy
import glob
import importlib
import inspect
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from clients import python as generate  # noqa: E402
from harness import (  # noqa: E402
    PASSWORD, TIMEOUT, application_body, call_body, confirmation_code, free_port, wait_for_port,
)


class Generated:
    """Calls operations by their id through the generated client."""

    def __init__(self, package, base):
        self.package = package
        self.calls = 0
        self.modules = {}
        root = os.path.join(package.__path__[0], "api")
        for tag in os.listdir(root):
            if not os.path.isdir(os.path.join(root, tag)):
                continue
            for name in os.listdir(os.path.join(root, tag)):
                if name.endswith(".py") and name != "__init__.py":
                    self.modules[name[:-3]] = f"{package.__name__}.api.{tag}.{name[:-3]}"
        client_module = importlib.import_module(f"{package.__name__}.client")
        self.anonymous = client_module.Client(base_url=base, timeout=TIMEOUT)
        self.authenticated = lambda token: client_module.AuthenticatedClient(
            base_url=base, token=token, timeout=TIMEOUT)

    def __call__(self, operation, token=None, body=None, expect=(200, 201), **params):
        module = importlib.import_module(self.modules[operation])
        call = module.sync_detailed
        kwargs = dict(params)
        if body is not None:
            model = inspect.signature(call).parameters["body"].annotation
            kwargs["body"] = model.from_dict(body)
        client = self.authenticated(token) if token else self.anonymous
        response = call(client=client, **kwargs)
        self.calls += 1
        if response.status_code not in expect:
            raise SystemExit(f"{operation}: {response.status_code} {response.content[:300]!r}")
        parsed = response.parsed
        if response.content and parsed is None:
            raise SystemExit(f"{operation}: the client could not read its {response.status_code}")
        if isinstance(parsed, list):
            return [item.to_dict() for item in parsed]
        if isinstance(parsed, str):
            # An operation that answers JSON or CSV (the ranking) comes back as its text.
            return json.loads(parsed)
        return parsed.to_dict() if parsed is not None else None


def newest_code(mail_dir, address):
    """The confirmation code of the newest mail to `address`."""
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        for path in sorted(glob.glob(os.path.join(mail_dir, "*.eml")), key=os.path.getmtime,
                           reverse=True):
            with open(path, "rb") as handle:
                mail = email.message_from_binary_file(handle, policy=email.policy.default)
            if address in str(mail["To"]):
                return confirmation_code(mail.get_body(("plain",)).get_content())
        time.sleep(0.1)
    raise SystemExit(f"no confirmation mail reached {address}")


def grant_round(api, mail_dir):
    """The README's round."""
    api("register", body={"email": "aigerim@mail.kz", "password": PASSWORD,
                          "name": "Айгерім", "language": "kk"}, expect=(202,))
    api("verify_email", body={"token": newest_code(mail_dir, "aigerim@mail.kz")})
    tokens = api("login", body={"email": "aigerim@mail.kz", "password": PASSWORD})
    applicant = tokens["access_token"]
    assert api("get_me", applicant)["email"] == "aigerim@mail.kz"
    org = api("create_organization", applicant, body={
        "name": "Ақ ниет", "bin": "040540001230", "region": "aktobe", "settlement": "Шалқар",
        "rural": True, "registered_on": "2019-03-01", "contact_email": "aqniet@mail.kz",
    })["id"]
    api("update_organization", applicant, id=uuid.UUID(org), if_match='"1"',
        body={"settlement": "Шалқар қаласы"})
    tokens = api("refresh", body={"refresh_token": tokens["refresh_token"]})
    applicant = tokens["access_token"]

    admin = api("login", body={"email": "admin@grants.kz", "password": PASSWORD})["access_token"]
    for address, role in [("officer@grants.kz", "officer"), ("expert@grants.kz", "reviewer")]:
        api("create_user", admin, body={"email": address, "name": "Staff", "password": PASSWORD,
                                        "role": role, "language": "ru"})
    officer = api("login", body={"email": "officer@grants.kz", "password": PASSWORD})["access_token"]
    expert = api("login", body={"email": "expert@grants.kz", "password": PASSWORD})["access_token"]
    expert_id = api("get_me", expert)["id"]

    call = api("create_call", officer, body=call_body())["id"]
    call_id = uuid.UUID(call)
    api("publish_call", officer, id=call_id)
    assert any(c["id"] == call for c in api("list_calls")["items"])

    application = api("create_application", applicant, id=call_id,
                      body=application_body(org, "Ауылдағы әйелдер орталығы"))["id"]
    application_id = uuid.UUID(application)
    api("update_application", applicant, id=application_id, if_match='"1"',
        body={"beneficiaries": 250})
    key = str(uuid.uuid4())
    first = api("submit_application", applicant, id=application_id, idempotency_key=key)
    again = api("submit_application", applicant, id=application_id, idempotency_key=key)
    assert first["receipt_sha256"] == again["receipt_sha256"], "the retry replays the answer"
    assert len(api("application_history", applicant, id=application_id)) >= 1

    api("add_call_reviewer", officer, id=call_id, body={"reviewer_id": expert_id})
    assignment = api("assign_reviewer", officer, id=application_id,
                     body={"reviewer_id": expert_id})["id"]
    assignment_id = uuid.UUID(assignment)
    assert api("list_my_assignments", expert)["items"][0]["id"] == assignment
    api("save_review", expert, id=assignment_id, body={
        "scores": [{"criterion": "relevance", "score": 9}],
        "comment": "A strong village project", "recommendation": "fund", "confidence": 3,
    })
    api("submit_review", expert, id=assignment_id)
    ranking = api("call_ranking", officer, id=call_id)
    assert ranking["rows"][0]["application_id"] == application, ranking
    api("approve_application", officer, id=application_id, body={"awarded_amount": "750000"})
    feedback = api("application_feedback", applicant, id=application_id)
    assert feedback["status"] == "approved", feedback


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    grants, generator = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp(prefix="grants-client-round-")
    run, _ = generate(generator, work)
    if run.returncode != 0:
        raise SystemExit(run.stdout + run.stderr)
    sys.path.insert(0, work)
    package = importlib.import_module("client")
    port = free_port()
    data = os.path.join(work, "data")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "GRANTS_DATA_DIR": data,
        "GRANTS_BIND": f"127.0.0.1:{port}",
        "GRANTS_MAIL_POLL_MS": "100",
        "GRANTS_LOG": "warn",
    }
    subprocess.run([grants, "admin", "create", "--email", "admin@grants.kz", "--name", "Admin",
                    "--password-stdin"], input=PASSWORD + "\n", text=True, env=env,
                   check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen([grants, "serve"], env=env, stdout=subprocess.DEVNULL)
    try:
        wait_for_port(port, server, "grants serve")
        api = Generated(package, f"http://127.0.0.1:{port}")
        grant_round(api, os.path.join(data, "mail"))
    finally:
        server.terminate()
        server.wait(timeout=TIMEOUT)
    print(f"the README's grant round through the generated Python client: {api.calls} calls")
    print("test result: ok. 1 passed; 0 failed; 0 ignored")


if __name__ == "__main__":
    main()
