#!/usr/bin/env python3
"""Clients generated from the committed API document, as a client's developer would make
them: openapi-python-client (Python) or @hey-api/openapi-ts (TypeScript) must generate one
without a single warning, and it must have a function for every operation of the document.

Usage: clients.py python PATH_TO_OPENAPI_PYTHON_CLIENT
       clients.py typescript PATH_TO_OPENAPI_TS

Prints a cargo-style `test result:` line so the test command counts it.
"""

import json
import os
import re
import subprocess
import sys
import tempfile

from ruamel.yaml import YAML

DOCUMENT = os.path.join(os.path.dirname(__file__), "..", "openapi", "openapi.yaml")


def operations():
    document = YAML(typ="safe").load(open(DOCUMENT))
    return {
        operation["operationId"]
        for path in document["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict) and "operationId" in operation
    }


def python(generator, work):
    """Generates the Python client; what the generator said and the functions it made."""
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
    generated = set()
    for root, _, files in os.walk(os.path.join(output, "api")):
        generated.update(name[:-3] for name in files if name.endswith(".py"))
    return run, generated


def typescript(generator, work):
    """Generates the TypeScript client (fetch); what the generator said and the
    operations its SDK exports, by their snake_case operation ids."""
    output = os.path.join(work, "client")
    run = subprocess.run(
        [generator, "-i", DOCUMENT, "-o", output],
        capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"},
    )
    generated = set()
    sdk = os.path.join(output, "sdk.gen.ts")
    if os.path.exists(sdk):
        for name in re.findall(r"^export const (\w+) =", open(sdk).read(), re.M):
            generated.add(re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name))
    return run, generated


def main():
    language, generator = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp(prefix=f"grants-{language}-client-")
    run, generated = {"python": python, "typescript": typescript}[language](generator, work)
    said = run.stdout + run.stderr
    problems = []
    if run.returncode != 0:
        problems.append(f"the generator exited with {run.returncode}")
    if "warn" in said.lower():
        problems.append("the generator warned")
    expected = operations()
    missing = sorted(expected - generated)
    if missing:
        problems.append(f"operations missing from the client: {missing}")
    if problems:
        print(said)
        for problem in problems:
            print(f"{language} client generation: {problem}", file=sys.stderr)
        print("test result: FAILED. 0 passed; 1 failed; 0 ignored")
        sys.exit(1)
    print(f"{language} client: {len(expected)} operations, no warning")
    print("test result: ok. 1 passed; 0 failed; 0 ignored")


if __name__ == "__main__":
    main()
