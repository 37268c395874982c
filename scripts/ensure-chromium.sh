#!/usr/bin/env bash
# Makes sure Debian's chromium is installed (the browser tests drive /usr/bin/chromium with playwright-core;
# no browser download). Installs it with apt-get when missing and we are root; otherwise says what to run.
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [[ -x "$CHROMIUM" ]]; then exit 0; fi
if [[ $(id -u) -ne 0 ]]; then
  echo "ensure-chromium: $CHROMIUM missing; install it with: sudo apt-get install -y chromium" >&2
  exit 1
fi
echo "ensure-chromium: installing Debian's chromium with apt-get (about 1-2 minutes, ~300 MB)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
"$CHROMIUM" --version
