"""While the server cannot reach the broker every operator page says so, and devices are not shown online."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy.orm import Session, sessionmaker

from tests.web.auth_support import browser, login, make_app
from tests.web.device_support import seed_province

BANNER = re.compile(r'<p id="broker-banner" class="broker-banner" role="alert"( hidden)?>([^<]*)</p>')


async def test_a_broker_outage_is_a_province_wide_banner_not_a_fleet_outage(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    seed_province(db)
    app = make_app(db, tmp_path)
    app.state.runtime.mqtt = SimpleNamespace(connected=True)
    async with browser(app) as c:
        assert (await login(c, "operator")).status_code == 303
        up = await c.get("/ui/devices")
        banner = BANNER.search(up.text)
        assert banner and banner.group(1) == " hidden"  # in the page, hidden: the dashboard's script shows it live
        online_before = up.text.count('class="status status-online"')
        assert online_before > 0

        # Measured before: with the broker down the device list showed every device online.
        app.state.runtime.mqtt.connected = False
        for path in ("/ui/", "/ui/devices", "/ui/alarms", "/ui/bulletins"):
            page = await c.get(path)
            banner = BANNER.search(page.text)
            assert banner and banner.group(1) is None, path
            assert "mất kết nối tới MQTT broker" in banner.group(2), path
        down = await c.get("/ui/devices")
        assert 'class="status status-online"' not in down.text
        assert down.text.count('class="status status-unverified"') == online_before
        assert "Chưa xác minh" in down.text
        english = await c.get("/ui/", params={"lang": "en"})
        banner = BANNER.search(english.text)
        assert banner and "cannot reach its MQTT broker" in banner.group(2)
        assert "Unverified" in english.text
