#!/usr/bin/env bash
# Installs what the project needs on a fresh clone, and nothing it already has.
#   setup.sh demo  - Node packages (from package-lock.json)
#   setup.sh test  - also the system packages the tests use: Chromium, redis-server, PostgreSQL,
#                    nginx (the load balancer test runs it as a process of its own, never the service)
set -euo pipefail
cd "$(dirname "$0")/.."

want="${1:-demo}"

apt_install() {
  local missing=("$@")
  [ "${#missing[@]}" -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing system packages: ${missing[*]} (run as root or install them with apt-get)" >&2
    exit 1
  fi
  echo "installing system packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

if [ "$want" = "test" ]; then
  missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  command -v psql >/dev/null 2>&1 || missing+=(postgresql)
  [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing+=(nginx)
  apt_install "${missing[@]}"
  # PostgreSQL tests need a running local server (trust auth for user postgres).
  if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
fi

# npm ci only when the installed packages do not satisfy package.json:
# sqlite3 builds from source here (about 90 s), so a needless reinstall is costly.
if [ ! -d node_modules ] || ! npm ls --depth=0 >/dev/null 2>&1; then
  npm ci
fi
