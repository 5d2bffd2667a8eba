#!/usr/bin/env bash
# api-tools.sh: the Python tools the API contract tests use (Tests/Contract, OpenAPIContractTests),
# pinned, in a venv of the project's own (.venv-tools, ignored by git): openapi-spec-validator
# validates openapi/dsched.json, schemathesis runs property-based checks against a live node.
# Idempotent: does nothing when the venv holds these pins already. Called by scripts/deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
pins=(openapi-spec-validator==0.9.0 schemathesis==4.32.5)
venv=.venv-tools
stamp="$venv/.pins"
[ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "${pins[*]}" ] && exit 0
echo "api-tools: installing ${pins[*]} into $venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "${pins[@]}"
echo "${pins[*]}" > "$stamp"
