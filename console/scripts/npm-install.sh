#!/usr/bin/env bash
# Installs the console's npm packages from package-lock.json (npm ci) when they
# are missing or older than the lock file. Never downloads a browser: the tests
# use Debian's chromium (scripts/bootstrap.sh).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
stamp=$here/node_modules/.accord-installed
# One install at a time: tests and the demo may call this together.
exec 9>"$here/.npm-install.lock"
flock 9
if [[ ! -f $stamp || $here/package-lock.json -nt $stamp ]]; then
  echo "accord-console: installing npm packages (npm ci)"
  (cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  touch "$stamp"
fi
