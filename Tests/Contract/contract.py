#!/usr/bin/env python3
"""contract.py: property-based checks of openapi/dsched.json against a live dsched node, with
schemathesis (every check but one, see schemathesis.toml; a fixed seed, a bounded number of cases per operation).

usage: contract.py URL TOKEN MAX_EXAMPLES SEED
  URL           the node, e.g. http://127.0.0.1:8080 (started with TOKEN as --api-token and
                --min-frequency 1h; see Tests/IntegrationTests/OpenAPIContractTests.swift)
  MAX_EXAMPLES  cases per operation and phase (CI: small; a longer local run: more)
Exit status: schemathesis's (0: no failure). Run by the project's venv (.venv-tools,
scripts/api-tools.sh), which holds schemathesis.
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# Parts of issue 13 built on other branches at the same time as the document: the document
# describes them already; until they are merged, the node this runs against lacks them, so the
# run leaves them out. Merging those branches empties both lists.
PENDING_PATHS = ["/metrics", "/jobs/{id}/ticks"]
PENDING_JOB_FIELDS = ["keep_runs", "last_run", "missed_ticks_24h"]

# A deleted job's run history stays readable at GET /jobs/{id}/runs by design (the document says
# so; CancellationTests relies on it), which `use_after_free` reports as a failure; schemathesis
# applies only run-wide settings to its stateful phase, where that check runs, so it is left out
# of the run (that a deleted job itself answers 404 is tested by JobsAPITests).
EXCLUDED_CHECKS = "use_after_free"


def without_pending(document):
    """The document less what PENDING_* name: those routes, those request fields, and those
    members from the answers' required lists."""
    for path in PENDING_PATHS:
        document["paths"].pop(path, None)
    schemas = document["components"]["schemas"]
    for name in ("JobCreate", "JobPatch"):
        for field in PENDING_JOB_FIELDS:
            schemas[name]["properties"].pop(field, None)
    for name in ("JobFields", "JobDetail"):
        schemas[name]["required"] = [f for f in schemas[name]["required"] if f not in PENDING_JOB_FIELDS]
    return document


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    url, token, max_examples, seed = sys.argv[1:]
    with open(os.path.join(ROOT, "openapi", "dsched.json"), encoding="utf-8") as file:
        document = without_pending(json.load(file))
    with tempfile.TemporaryDirectory(prefix="dsched-contract-") as scratch:
        schema_path = os.path.join(scratch, "dsched.json")
        with open(schema_path, "w", encoding="utf-8") as file:
            json.dump(document, file)
        environment = dict(os.environ, SCHEMATHESIS_HOOKS="dsched_hooks",
                           PYTHONPATH=HERE + os.pathsep + os.environ.get("PYTHONPATH", ""))
        command = [os.path.join(os.path.dirname(sys.executable), "schemathesis"),
                   "--config-file", os.path.join(HERE, "schemathesis.toml"), "--no-color",
                   "run", schema_path, "--url", url, "--header", f"Authorization: Bearer {token}",
                   "--checks", "all", "--exclude-checks", EXCLUDED_CHECKS, "--max-examples", max_examples, "--seed", seed,
                   "--workers", "1", "--generation-database", "none", "--request-timeout", "10",
                   "--report", "junit", "--report-dir", scratch, "--output-truncate", "false"]
        sys.exit(subprocess.run(command, env=environment, cwd=scratch).returncode)


if __name__ == "__main__":
    main()
