#!/bin/sh
# Browser tests drive Debian's Chromium through chromedriver. Install both when missing.
set -eu
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
# Korean labels need a CJK font to render (the tests read text from the DOM; screenshots need glyphs).
have_fonts() { ! command -v fc-list >/dev/null 2>&1 || fc-list :lang=ko | grep -q .; }
if [ -x "$CHROMIUM" ] && command -v chromedriver >/dev/null 2>&1 && have_fonts; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium, chromium-driver and fonts-noto-cjk for the browser tests..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null
    exit 0
fi
echo "The browser tests need Chromium and chromedriver." >&2
echo "Install Debian's packages 'chromium', 'chromium-driver' and 'fonts-noto-cjk' (sudo apt-get install chromium chromium-driver fonts-noto-cjk)," >&2
echo "or set CHROMIUM=/path/to/chromium with chromedriver on PATH." >&2
exit 1
