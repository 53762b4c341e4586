"""Dashboard in a real browser with N simulated devices connected: first paint, and a status change shown live.

Chromium (the system one, through Playwright) logs in as a province operator, then loads ``/ui/`` ``--loads``
times: navigation start → first contentful paint, and → the response's last byte (the server's part).
Then ``--kills`` devices in different communes are killed abruptly (socket dropped, no DISCONNECT): the time
from the kill to the dashboard's offline count of that commune changing in the open page, without reload.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from playwright.async_api import async_playwright

from bench._common import (
    PER_COMMUNE,
    Bench,
    FleetProc,
    bench_server,
    commune_code,
    emit,
    finish_args,
    parser,
    wait_until,
)
from bench._common import stats as summarise
from source_server.accounts.service import Role, create_user
from tests.browser.support import FLAGS, chromium_path

PASSWORD = "mật-khẩu-đo-hiệu-năng-2026"
PAINT_JS = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const fcp = performance.getEntriesByName("first-contentful-paint")[0];
  return {fcp: fcp ? fcp.startTime : null, response_end: nav.responseEnd, dom_loaded: nav.domContentLoadedEventEnd};
}"""


def online(bench: Bench) -> int:
    return sum(1 for d in bench.ids if (v := bench.runtime.presence.snapshot(d)) and v.status == "online")


def add_operator(bench: Bench) -> None:
    with bench.runtime.sessions.begin() as db:
        create_user(db, username="bench-operator", grants=[(Role.PROVINCE_OPERATOR, "64")], password=PASSWORD)


async def run(a: argparse.Namespace) -> None:
    async with bench_server(a) as bench:
        await asyncio.to_thread(add_operator, bench)
        fleet = await FleetProc.start(bench, keepalive_s=30, heartbeat_s=30, max_s=a.timeout * 3 + 120)
        try:
            t_all = await wait_until(lambda: online(bench) == bench.n, a.timeout, poll_s=0.2)
            emit(phase="connect", devices=bench.n, broker=a.broker, db=a.db, all_online_s=t_all, online=online(bench))
            if t_all is None:
                return
            async with async_playwright() as p:
                browser = await p.chromium.launch(executable_path=chromium_path(), args=FLAGS)
                page = await browser.new_page(viewport={"width": 1366, "height": 768})
                url = bench.srv.url
                await page.goto(f"{url}/login")
                await page.fill("#username", "bench-operator")
                await page.fill("#password", PASSWORD)
                await page.click("button[type=submit]")
                await page.wait_for_url(f"{url}/ui/")
                fcp, server = [], []
                for _ in range(a.loads):
                    await page.goto(f"{url}/ui/", wait_until="load")
                    await page.wait_for_function("() => performance.getEntriesByName('first-contentful-paint')[0]")
                    m = await page.evaluate(PAINT_JS)
                    fcp.append(m["fcp"] / 1000)
                    server.append(m["response_end"] / 1000)
                rows = await page.locator("#commune-table tbody tr").count()
                emit(phase="first_paint", loads=a.loads, communes_listed=rows, first_contentful_paint_s=summarise(fcp),
                     html_response_end_s=summarise(server), target_s=1.0)  # fmt: skip

                await page.wait_for_selector('#live-state[data-state="live"]')
                shown: list[float] = []
                communes = max(1, bench.n // PER_COMMUNE)
                for k in range(a.kills):
                    idx = (k * max(1, communes // a.kills)) % communes * PER_COMMUNE
                    victim, commune = bench.ids[idx], commune_code(idx)
                    cell = f'#commune-table tr[data-commune="{commune}"] [data-count="offline"]'
                    before = await page.locator(cell).inner_text()
                    reply = await fleet.call(op="kill", ids=[victim], mode="abort")
                    await page.wait_for_function(
                        "([sel, old]) => document.querySelector(sel).textContent.trim() !== old",
                        arg=[cell, before.strip()],
                        timeout=a.timeout * 1000,
                    )
                    shown.append(time.time() - reply["t"])
                    await asyncio.sleep(0.5)
                same_page = await page.evaluate("() => performance.getEntriesByType('navigation').length === 1")
                emit(phase="live_update", kills=a.kills, kill_to_dashboard_s=summarise(shown), target_s=2.0,
                     no_reload=same_page)  # fmt: skip
                await browser.close()
        finally:
            await fleet.stop()


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--loads", type=int, default=7, help="dashboard loads for the first-paint figure")
    p.add_argument("--kills", type=int, default=7, help="devices killed one by one for the live-update figure")
    asyncio.run(run(finish_args(p.parse_args())))


if __name__ == "__main__":
    main()
