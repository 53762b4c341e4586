#!/usr/bin/env bash
# Set up and run the whole test suite: lint, types, then every test on PostgreSQL + Mosquitto and again on
# SQLite + the embedded broker (the private Mosquitto the server launches itself when NGUON_MQTT_URL is unset,
# source_server.broker.MosquittoBroker, with an extra anonymous listener for the tests' own clients; the amqtt
# fallback has its own tests in tests/broker), but for the browser tests (tests/browser: the pages in Chromium), which run on the
# first pass only; what they drive below the page is covered on both backends by tests/web and the API tests. PostgreSQL: NGUON_TEST_DATABASE_URL, or the local server on 127.0.0.1:5432
# (started or installed here when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test

PG_URL=${NGUON_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}
pg_ready() { .venv/bin/python - "$PG_URL" <<'PY' 2>/dev/null
import sys
from sqlalchemy import create_engine, text
with create_engine(sys.argv[1]).connect() as c:
    c.execute(text("select 1"))
PY
}
if ! pg_ready; then
  echo "PostgreSQL not reachable at ${PG_URL##*@}; starting it" >&2
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    sudo_="" ; [ "$(id -u)" -eq 0 ] || sudo_=sudo
    $sudo_ apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq postgresql >/dev/null
  fi
  v=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$v" main start 2>/dev/null || pg_ctlcluster "$v" main start || true
  for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
  if ! pg_ready; then
    # A fresh install uses peer auth: allow local trust for the test database, as on the CI machines.
    hba=/etc/postgresql/$v/main/pg_hba.conf
    sed -i 's/^\(host\s\+all\s\+all\s\+127.0.0.1\/32\s\+\)\S\+/\1trust/' "$hba"
    pg_ctlcluster --skip-systemctl-redirect "$v" main reload 2>/dev/null || true
    su postgres -c "psql -qc 'create database test'" 2>/dev/null || true
    for _ in $(seq 1 10); do pg_ready && break; sleep 1; done
  fi
  pg_ready || { echo "PostgreSQL is required for the test suite and could not be started" >&2; exit 1; }
fi

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy protocols device_agent simulators source_server conformance
.venv/bin/lint-imports  # the import contracts in pyproject.toml: no circles, domains never import web/runtime

mkdir -p test-artifacts
echo "== PostgreSQL + Mosquitto" >&2
NGUON_TEST_DATABASE_URL=$PG_URL NGUON_TEST_BROKER=mosquitto .venv/bin/python -m pytest -q "$@"
echo "== SQLite + embedded broker" >&2
env -u NGUON_TEST_DATABASE_URL NGUON_TEST_BROKER=embedded .venv/bin/python -m pytest -q --ignore=tests/browser "$@"
