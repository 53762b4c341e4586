"""`nguon demo` (the README's first command) starts everything: the API with live counts and the operator UI, on a
private Mosquitto whose devices log in with their own passwords."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow


def test_demo_starts_a_province_and_shows_its_communes(tmp_path: Path) -> None:
    nguon = Path(sys.executable).parent / "nguon"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NGUON_")}
    proc = subprocess.Popen(
        [str(nguon), "demo", "--duration", "20", "--port", "0", "--data-dir", str(tmp_path / "demo")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        out = ""
        deadline = time.monotonic() + 60
        assert proc.stdout is not None
        while "Ctrl-C stops" not in out:
            line = proc.stdout.readline()
            assert line or proc.poll() is None, out
            out += line
            assert time.monotonic() < deadline, out
        url = re.search(r"OpenAPI\)\s+(\S+)docs", out).group(1)  # type: ignore[union-attr]
        token = re.search(r"admin token\s+(\S+)", out).group(1)  # type: ignore[union-attr]
        home = httpx.get(url, timeout=10)
        assert home.status_code == 307 and home.headers["location"] == "/ui/"  # the UI, behind a log-in
        headers = {"Authorization": f"Bearer {token}"}
        online_by = time.monotonic() + 10
        while True:
            summary = httpx.get(url + "api/v1/presence/summary?level=commune", headers=headers, timeout=10).json()
            assert summary["totals"]["total"] == 6 * 38
            if summary["totals"]["online"] >= 200 or time.monotonic() > online_by:
                break
            time.sleep(0.5)
        assert summary["totals"]["online"] >= 200, summary["totals"]
        assert httpx.get(url + "docs", timeout=10).status_code == 200
        kid, public_key = re.search(r"signing key\s+(\S+)=(\S+)", out).groups()  # type: ignore[union-attr]
        served = httpx.get(url + "api/v1/keys", timeout=10).json()  # public: no token
        assert (served["kid"], served["public_key"]) == (kid, public_key)
        ui, password = re.search(r"operator UI\s+(\S+)\s+\(log in as admin, password (\S+)\)", out).groups()  # type: ignore[union-attr]
        with httpx.Client(timeout=10, follow_redirects=True) as browser:
            form = browser.get(ui).text  # redirected to the log-in form
            login_csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
            done = browser.post(
                url + "login",
                data={"username": "admin", "password": password, "csrf_token": login_csrf, "next": "/ui/"},
            )
            assert done.status_code == 200 and "Tổng quan toàn tỉnh" in done.text and "Phường Pleiku" in done.text
    finally:
        rest, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, rest
    assert "Nguồn demo stopped." in rest
    assert "Traceback" not in out + rest, out + rest  # a clean terminal: no stack traces while starting or running
    # The demo runs production's broker: a private Mosquitto with per-device logins (amqtt only as a fallback).
    assert re.search(r"MQTT broker\s+mqtt://127\.0\.0\.1:\d+ \(private Mosquitto, per-device logins", out), out
