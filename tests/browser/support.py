"""A real Chromium (the system one) driven by Playwright, and where screenshots go for review."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import Browser, Page, async_playwright

CHROMIUM = os.environ.get("NGUON_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """The system Chromium; fails (not skips) when missing: the test set-up installs it."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        raise RuntimeError(f"Chromium not found at {CHROMIUM} (apt-get install chromium; scripts/setup.sh --test does)")
    return CHROMIUM


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """A headless system Chromium for one test."""
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=FLAGS)
        try:
            yield browser
        finally:
            await browser.close()


async def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/screenshots/ for review."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def send_emergency(page: Page, base_url: str, *, commune: str, title: str, text: str) -> None:
    """On the emergency screen: aim at ``commune``, write, check, and send (the page then shows it live)."""
    await page.goto(f"{base_url}/ui/emergency")
    await page.get_by_label("Phát tới").select_option(commune)
    await page.get_by_label("Tiêu đề").fill(title)
    await page.get_by_label("Nội dung sẽ được đọc").fill(text)
    await page.get_by_role("button", name="Kiểm tra trước khi phát").click()
    await page.get_by_role("button", name="PHÁT KHẨN CẤP NGAY").click()
