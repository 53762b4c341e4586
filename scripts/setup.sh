#!/usr/bin/env bash
# Set up Nguồn in ./.venv on a Debian machine with Python 3.11. `--test` also installs what the test suite needs.
set -euo pipefail
cd "$(dirname "$0")/.."
want_test=0
[ "${1:-}" = "--test" ] && want_test=1

apt_install() {
  # Install Debian packages when missing (as root, or through sudo when available).
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if [ -n "$sudo" ] && ! command -v sudo >/dev/null; then
    echo "need root to install: $*" >&2; return 1
  fi
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

PY=${PYTHON:-python3}
if ! $PY -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
  echo "Python 3.11 or newer is required (found: $($PY --version 2>&1))" >&2; exit 1
fi
if [ ! -x .venv/bin/python ]; then
  $PY -m venv .venv 2>/dev/null || { apt_install python3-venv && $PY -m venv .venv; }
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
# espeak-ng speaks bulletins offline: the TTS fallback, and the only voice in a closed provincial network.
command -v espeak-ng >/dev/null || apt_install espeak-ng
# Mosquitto is the broker `nguon serve`/`nguon demo` run privately when NGUON_MQTT_URL is unset: production's broker
# with per-device logins and ACL (without it the server falls back to amqtt, which enforces none of that, and says
# so). The server starts its own child process on a free port with its own config and data under the data dir;
# the Debian package may also start the system service (127.0.0.1:1883), which Nguồn never uses unless
# NGUON_MQTT_URL points at it, so it is left as the machine's administrator has it (deploy/ configures it).
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || apt_install mosquitto \
  || echo "warning: could not install mosquitto; the server will fall back to amqtt (no logins, no ACL)" >&2
if [ "$want_test" = 1 ]; then
  pkgs=()
  command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || pkgs+=(mosquitto)
  command -v mosquitto_pub >/dev/null || pkgs+=(mosquitto-clients)
  command -v ffmpeg >/dev/null || pkgs+=(ffmpeg)
  [ -x /usr/bin/chromium ] || pkgs+=(chromium fonts-noto-core)   # the browser tests drive the system Chromium
  [ ${#pkgs[@]} -eq 0 ] || apt_install "${pkgs[@]}"
  .venv/bin/python -m pip install -q -e ".[test]"
else
  .venv/bin/python -m pip install -q -e .
fi
