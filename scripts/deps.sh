#!/usr/bin/env bash
# deps.sh [extra packages...]: installs the Debian packages dsched builds, runs and tests with,
# when any is missing (apt-get update first; sudo when not root). Idempotent and quiet when
# everything is there. Then the pinned Python tools of the API contract tests (scripts/api-tools.sh).
set -euo pipefail
packages=(libev-dev libhiredis-dev libhttp-parser-dev libpq-dev libcurl4 postgresql redis-server curl tzdata python3 python3-venv iproute2 faketime prometheus "$@")
missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "deps: installing ${missing[*]}"
    sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
"$(dirname "$0")/api-tools.sh"
