#!/bin/sh
# Installs Debian's HAProxy for the replica test (tests/deploy/test_replicas.py) when it is
# missing and we are root; otherwise warns: that test then skips and says why.
set -u
if command -v haproxy >/dev/null 2>&1; then
    exit 0
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing haproxy from Debian for the replica test"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy
fi
if ! command -v haproxy >/dev/null 2>&1; then
    echo "WARNING: HAProxy cannot be installed here: the replica test will be SKIPPED" >&2
fi
exit 0
