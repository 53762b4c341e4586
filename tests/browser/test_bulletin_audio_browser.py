"""The bulletin's audio in a real browser: the editor sees how the text will be read (and a TCVN3 paste offered in
Unicode), hears the offline preview and which engine spoke; uploads a WAV on an existing bulletin; records from a
(fake) microphone. Screenshots: bulletin-reading, bulletin-audio, bulletin-record."""

from __future__ import annotations

import asyncio
import re
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import Browser, Page, async_playwright, expect

from source_server.accounts.service import Principal, Role
from source_server.audio.ffmpeg import ffmpeg_exe
from source_server.audio.textnorm import to_tcvn3
from source_server.bulletins import service
from source_server.bulletins.models import Bulletin
from source_server.serve import LiveServer
from tests.browser.conftest import COMMUNE_A, login
from tests.browser.support import FLAGS, chromium_path, screenshot

TEXT = (
    "Thực hiện kế hoạch của UBND phường Pleiku, ngày 09/01/2026, từ 7 giờ 30, trạm y tế tổ chức tiêm chủng "
    "cho trẻ em dưới 5 tuổi tại nhà văn hóa tổ dân phố 1.\n\nĐề nghị các gia đình đưa trẻ đến đúng giờ."
)
LEGACY = "Ủy ban nhân dân phường thông báo lịch cắt điện ngày mai."
PLAYABLE = "() => { const a = document.querySelector('%s'); return !!a && isFinite(a.duration) && a.duration > 0; }"
EDITOR = Principal(username="editor-a", grants=frozenset({(Role.COMMUNE_EDITOR, COMMUNE_A)}))


def draft(live: LiveServer, title: str) -> int:
    """A text-only draft of commune A by editor-a, written through the service."""
    data = service.BulletinInput(
        title=title,
        category_code="y-te",
        owner_area=COMMUNE_A,
        target_type="commune",
        target_codes=[COMMUNE_A],
        text="Trạm y tế phường thông báo lịch tiêm chủng.",
    )
    with live.runtime.sessions.begin() as db:
        return service.create(db, principal=EDITOR, data=data).id


def stored(live: LiveServer, bulletin_id: int) -> tuple[int, str | None, str | None]:
    """(version, media hash, TTS engine) of a bulletin as stored."""
    with live.runtime.sessions() as db:
        b = db.get(Bulletin, bulletin_id)
        assert b is not None
        return b.version, b.media_sha256, b.tts_engine


def tone(path: Path, seconds: float = 3.0) -> Path:
    """A 440 Hz tone as WAV, made with the same ffmpeg the server uses."""
    graph = f"sine=frequency=440:duration={seconds}"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", graph, "-y", str(path)], check=True)
    return path


@asynccontextmanager
async def chromium_with_fake_microphone(*, allow: bool = True) -> AsyncIterator[Browser]:
    """Chromium whose microphone is a generated signal; its permission prompt answers "allow" (else: refused)."""
    flags = [*FLAGS, "--use-fake-device-for-media-stream"] + (["--use-fake-ui-for-media-stream"] if allow else [])
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=flags)
        try:
            yield browser
        finally:
            await browser.close()


async def _read(page: Page) -> None:
    await page.get_by_role("button", name="Xem cách đọc").click()
    await expect(page.locator("#reading")).not_to_contain_text("Đang xem cách đọc")


async def test_the_editor_sees_the_reading_and_hears_the_preview(live: LiveServer, chromium_browser: Browser) -> None:
    page = await login(chromium_browser, live, "editor-a")
    await page.goto(f"{live.url}/ui/bulletins/new")
    await page.get_by_label("Tiêu đề").fill("Thông báo tiêm chủng")
    text = page.locator("#b-text")

    await text.fill(to_tcvn3(LEGACY))  # pasted from a document typed in the ABC font
    await _read(page)
    offer = page.locator("#reading-convert")
    await expect(offer).to_contain_text("phông TCVN3 (ABC)")
    await expect(offer).to_contain_text("Đã chuyển sang Unicode — dùng văn bản này?")
    await offer.get_by_role("button", name="Dùng văn bản này").click()
    await expect(text).to_have_value(LEGACY.replace("Ủy", "ủy"))  # TCVN3 has no capitals with a tone mark
    await expect(page.locator("#reading")).to_contain_text("Đã thay nội dung bằng văn bản Unicode.")
    await expect(page.locator("#reading-convert")).to_have_count(0)

    await text.fill("Th\u00f4ng b\u00e1o v? vi?c ti?m ch?ng cho tr? em.")  # letters lost to "?"
    await _read(page)
    await expect(page.locator("#reading-blocked")).to_contain_text("Chưa thể đọc văn bản này thành giọng nói")
    await expect(page.locator("#reading-source mark").first).to_have_text("[?]")
    await expect(page.locator("#reading-spoken")).to_have_count(0)

    await text.fill(TEXT)
    await _read(page)
    spoken = page.locator("#reading-spoken")
    await expect(spoken).to_contain_text("ngày mồng chín tháng một năm hai nghìn không trăm hai mươi sáu")
    await expect(spoken).to_contain_text("ủy ban nhân dân phường Pleiku")
    await expect(page.locator("#reading-blocked")).to_have_count(0)
    await text.press("End")
    await text.type(" Xin cảm ơn.")
    await expect(page.locator("#reading-stale")).to_be_visible()  # the reading no longer matches the text
    await _read(page)
    await expect(spoken).to_contain_text("Xin cảm ơn.")
    await expect(page.locator("#reading-stale")).to_be_hidden()

    await page.get_by_label("Giọng nam").check()
    await page.get_by_role("button", name="▶ Nghe thử").click()
    await expect(page.locator("#preview")).to_be_visible(timeout=30_000)
    await page.wait_for_function(PLAYABLE % "#preview-player", timeout=15_000)
    engine = page.locator("#preview-engine")
    await expect(engine).to_contain_text("Giọng đọc: espeak-ng (vi+m3, giọng nam miền Bắc)")
    await expect(engine).to_contain_text("— dịch vụ giọng đọc trực tuyến không kết nối được")
    await expect(page.locator("#preview-duration")).to_have_text(re.compile(r"^Thời lượng: 0:[0-5]\d$"))
    await screenshot(page, "bulletin-reading")
    assert await page.locator("#preview-error").is_hidden()


async def test_a_wav_uploaded_on_a_bulletin_becomes_its_audio(
    live: LiveServer, chromium_browser: Browser, tmp_path: Path
) -> None:
    bid = draft(live, "Thông báo lịch cắt điện")
    page = await login(chromium_browser, live, "editor-a")
    await page.goto(f"{live.url}/ui/bulletins/{bid}")
    card = page.locator("#audio")
    await expect(card.locator("#audio-source")).to_have_text(
        "Chưa có âm thanh. Khi gửi duyệt, hệ thống sẽ tự đọc văn bản thành giọng nói."
    )

    await page.get_by_role("button", name="Tải lên").click()
    await expect(page.locator("#audio-error")).to_have_text("Hãy chọn một tệp âm thanh trước.")
    not_audio = tmp_path / "ghi-chu.mp3"
    not_audio.write_text("đây không phải âm thanh " * 40)
    await page.get_by_label("Tải tệp âm thanh lên").set_input_files(not_audio)
    await page.get_by_role("button", name="Tải lên").click()
    await expect(page.locator("#audio-error")).to_contain_text("Tệp này không phải âm thanh")
    assert stored(live, bid) == (1, None, None)  # refused: nothing changed

    await page.get_by_role("button", name="● Bắt đầu ghi âm").click()  # this Chromium has no microphone
    await expect(page.locator("#audio-error")).to_have_text(
        "Không tìm thấy micrô. Hãy cắm micrô (hoặc tai nghe có micrô) rồi thử lại."
    )

    await page.get_by_label("Tải tệp âm thanh lên").set_input_files(tone(tmp_path / "thong-bao.wav"))
    await expect(page.locator("#audio-file-name")).to_have_text(re.compile(r"^thong-bao\.wav \(0\.\d MB\)$"))
    await page.get_by_role("button", name="Tải lên").click()
    await page.wait_for_url(f"{live.url}/ui/bulletins/{bid}?done=audio#audio")
    await expect(page.locator("#done-message")).to_have_text(
        "Đã lưu âm thanh mới cho bản tin. Bạn có thể nghe lại ở mục “Âm thanh”."
    )
    await page.wait_for_function(PLAYABLE % "#bulletin-audio", timeout=15_000)
    await expect(card.locator("#audio-source")).to_contain_text("Tệp ghi âm tải lên — phiên bản 2, do editor-a")
    await expect(page.locator(".versions")).to_contain_text("Phiên bản 2")
    version, media, engine = stored(live, bid)
    assert (version, engine) == (2, None) and media
    assert await page.locator("#bulletin-audio").get_attribute("src") == f"/media/{media}.mp3"
    await screenshot(page, "bulletin-audio")


async def test_a_recording_from_the_microphone_becomes_the_audio(live: LiveServer) -> None:
    bid = draft(live, "Thông báo họp tổ dân phố")
    async with chromium_with_fake_microphone(allow=False) as browser:
        page = await login(browser, live, "editor-a")
        await page.goto(f"{live.url}/ui/bulletins/{bid}#audio")
        await page.get_by_role("button", name="● Bắt đầu ghi âm").click()  # the user says "block"
        await expect(page.locator("#audio-error")).to_have_text(
            "Trình duyệt không cho phép dùng micrô. Hãy bấm biểu tượng ổ khóa cạnh địa chỉ trang, chọn cho phép "
            "“Micrô”, rồi bấm ghi âm lại."
        )
        await expect(page.get_by_role("button", name="● Bắt đầu ghi âm")).to_be_enabled()
    async with chromium_with_fake_microphone() as browser:
        page = await login(browser, live, "editor-a")
        await page.goto(f"{live.url}/ui/bulletins/{bid}#audio")
        await page.get_by_role("button", name="● Bắt đầu ghi âm").click()
        stop = page.get_by_role("button", name="■ Dừng ghi âm")
        await expect(stop).to_be_visible()
        await expect(page.locator("#record-time")).to_have_text("Đang ghi âm: 0:02", timeout=5_000)
        await asyncio.sleep(0.3)
        await stop.click()
        review = page.locator("#record-review")
        await expect(review).to_be_visible()
        await expect(review.locator("#record-done")).to_have_text("Nghe lại bản ghi âm (0:02) trước khi gửi:")
        await page.wait_for_function(PLAYABLE % "#record-player", timeout=5_000)  # its length shows before sending
        await expect(page.locator("#record-controls")).to_be_hidden()  # "Ghi lại" starts again from here
        await screenshot(page, "bulletin-record")
        await review.get_by_role("button", name="Dùng bản ghi âm này").click()
        await page.wait_for_url(f"{live.url}/ui/bulletins/{bid}?done=audio#audio", timeout=30_000)
        await page.wait_for_function(PLAYABLE % "#bulletin-audio", timeout=15_000)
        await expect(page.locator("#audio-source")).to_contain_text("Tệp ghi âm tải lên — phiên bản 2")
        duration = await page.evaluate("document.getElementById('bulletin-audio').duration")
        assert 1.5 < duration < 4, duration  # about the two seconds recorded, levelled and encoded as MP3
    version, media, engine = stored(live, bid)
    assert (version, engine) == (2, None) and media
