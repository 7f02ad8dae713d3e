#!/bin/sh
# Installs Debian's PostgreSQL (initdb, pg_ctl, psql) for the PostgreSQL half of the test
# suite (tests/pg.py starts a throwaway cluster from it) when it is missing and we are
# root; otherwise warns: those tests then skip and say why.
set -u
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then
    exit 0
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing postgresql from Debian for the PostgreSQL tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "WARNING: PostgreSQL cannot be installed here: the PostgreSQL tests will be SKIPPED" >&2
fi
exit 0
