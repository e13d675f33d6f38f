#!/usr/bin/env python3
"""A Python client generated from the committed API document, as a client's developer
would make one: openapi-python-client must generate it without a single warning, and
the client must have a function for every operation of the document.

Usage: clients.py PATH_TO_OPENAPI_PYTHON_CLIENT

Prints a cargo-style `test result:` line so the test command counts it.
"""

import json
import os
import subprocess
import sys
import tempfile

from ruamel.yaml import YAML

DOCUMENT = os.path.join(os.path.dirname(__file__), "..", "openapi", "openapi.yaml")


def main():
    generator = sys.argv[1]
    work = tempfile.mkdtemp(prefix="grants-client-")
    config = os.path.join(work, "config.json")
    with open(config, "w") as handle:
        # No formatter afterwards: its absence would be the only warning.
        json.dump({"post_hooks": []}, handle)
    output = os.path.join(work, "client")
    run = subprocess.run(
        [generator, "generate", "--path", DOCUMENT, "--meta", "none",
         "--output-path", output, "--config", config],
        capture_output=True, text=True,
    )
    said = run.stdout + run.stderr
    problems = []
    if run.returncode != 0:
        problems.append(f"the generator exited with {run.returncode}")
    if "warning" in said.lower():
        problems.append("the generator warned")
    document = YAML(typ="safe").load(open(DOCUMENT))
    operations = {
        operation["operationId"]
        for path in document["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    generated = set()
    for root, _, files in os.walk(os.path.join(output, "api")):
        generated.update(name[:-3] for name in files if name.endswith(".py"))
    missing = sorted(operations - generated)
    if missing:
        problems.append(f"operations missing from the client: {missing}")
    if problems:
        print(said)
        for problem in problems:
            print(f"client generation: {problem}", file=sys.stderr)
        print("test result: FAILED. 0 passed; 1 failed; 0 ignored")
        sys.exit(1)
    print(f"openapi-python-client: {len(operations)} operations, no warning")
    print("test result: ok. 1 passed; 0 failed; 0 ignored")


if __name__ == "__main__":
    main()
