#!/bin/sh
# Browser tests drive Debian's Chromium through chromedriver. Install both when missing.
set -eu
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ -x "$CHROMIUM" ] && command -v chromedriver >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium and chromium-driver for the browser tests..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
    exit 0
fi
echo "The browser tests need Chromium and chromedriver." >&2
echo "Install Debian's packages 'chromium' and 'chromium-driver' (sudo apt-get install chromium chromium-driver)," >&2
echo "or set CHROMIUM=/path/to/chromium with chromedriver on PATH." >&2
exit 1
