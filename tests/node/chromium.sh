#!/bin/sh
# Installs Debian's Chromium for the browser tests (tests/http/test_browser.py) when it is
# missing and we are root; otherwise warns: those tests then skip and say why.
set -u
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing chromium from Debian for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi
if ! command -v chromium >/dev/null 2>&1; then
    echo "WARNING: Chromium cannot be installed here: the browser tests will be SKIPPED" >&2
fi
exit 0
