#!/bin/sh
# Installs GraphiQL's files (React, GraphiQL, the explorer plugin) from the npm registry
# with `npm ci`, which checks each package against package-lock.json's integrity hashes.
# Installs npm from Debian when it is missing (as root). Without npm it warns and exits 0:
# the server then runs, and its GraphiQL page says the files are missing.
set -u
cd "$(dirname "$0")"
if ! command -v npm >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        echo "installing nodejs and npm from Debian for GraphiQL's files"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm
    fi
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "WARNING: npm cannot be installed here: GraphiQL will say its files are missing" >&2
    exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
