"""UI strings of the bulletin's audio: how the text will be read, the spoken preview, the player, upload and
recording (Vietnamese first, then English). Merged into ``strings.bulletins`` (the bulletin pages' module)."""

MESSAGES: dict[str, dict[str, str]] = {
    # ------------------------------------------------------------ how the text will be read
    "bulletin.reading.button": {"vi": "Xem cách đọc", "en": "Show how it will be read"},
    "bulletin.reading.hint": {
        "vi": "Máy đọc số, ngày tháng, giờ và chữ viết tắt thành lời. Bấm “Xem cách đọc” để kiểm tra trước.",
        "en": "Numbers, dates, times and abbreviations are read out in words. Check how before you submit.",
    },
    "bulletin.reading.busy": {"vi": "Đang xem cách đọc…", "en": "Reading the text…"},
    "bulletin.reading.title": {"vi": "Máy sẽ đọc như sau:", "en": "It will be read like this:"},
    "bulletin.reading.empty": {
        "vi": "Hãy nhập nội dung bản tin trước.",
        "en": "Type the bulletin's text first.",
    },
    "bulletin.reading.stale": {
        "vi": "Nội dung đã thay đổi. Bấm “Xem cách đọc” để xem lại.",
        "en": "The text has changed. Press “Show how it will be read” again.",
    },
    "bulletin.reading.blocked": {
        "vi": "Chưa thể đọc văn bản này thành giọng nói",
        "en": "This text cannot be read aloud yet",
    },
    "bulletin.reading.marked": {
        "vi": "Những chỗ tô đỏ dưới đây cần sửa:",
        "en": "The places marked in red below need fixing:",
    },
    "bulletin.reading.notes": {"vi": "Lưu ý", "en": "Notes"},
    "bulletin.reading.converted": {
        "vi": "Đã chuyển sang Unicode — dùng văn bản này?",
        "en": "Converted to Unicode — use this text?",
    },
    "bulletin.reading.encoding.tcvn3": {
        "vi": "Văn bản bạn dán được gõ bằng phông TCVN3 (ABC), máy không đọc đúng được.",
        "en": "The pasted text was typed in the TCVN3 (ABC) font encoding, which cannot be read correctly.",
    },
    "bulletin.reading.encoding.vni": {
        "vi": "Văn bản bạn dán được gõ bằng phông VNI-Windows, máy không đọc đúng được.",
        "en": "The pasted text was typed in the VNI-Windows font encoding, which cannot be read correctly.",
    },
    "bulletin.reading.encoding.utf8-mojibake": {
        "vi": "Văn bản bạn dán bị lỗi bảng mã (chữ có dấu bị biến thành ký tự lạ).",
        "en": "The pasted text has broken accented letters (UTF-8 read in the wrong encoding).",
    },
    "bulletin.reading.use": {"vi": "Dùng văn bản này", "en": "Use this text"},
    "bulletin.reading.keep": {"vi": "Giữ nguyên", "en": "Keep mine"},
    "bulletin.reading.used": {
        "vi": "Đã thay nội dung bằng văn bản Unicode. Xin đọc lại một lượt trước khi lưu.",
        "en": "The text was replaced with the Unicode version. Please read it over before saving.",
    },
    # ------------------------------------------------------------ the spoken preview (form)
    "bulletin.audio.legend": {"vi": "Nghe thử và âm thanh", "en": "Listen and audio"},
    "bulletin.audio.preview": {"vi": "Nghe thử", "en": "Listen"},
    "bulletin.audio.preview.hint": {
        "vi": "Nghe văn bản được đọc bằng giọng máy, đúng như loa sẽ phát.",
        "en": "Hear the text read by the speech engine, as the loudspeakers will play it.",
    },
    "bulletin.audio.gender": {"vi": "Giọng đọc", "en": "Voice"},
    "bulletin.audio.gender.female": {"vi": "Giọng nữ", "en": "Female"},
    "bulletin.audio.gender.male": {"vi": "Giọng nam", "en": "Male"},
    "bulletin.audio.busy": {
        "vi": "Đang tạo giọng đọc, xin chờ trong giây lát…",
        "en": "Making the speech, one moment…",
    },
    "bulletin.audio.engine_line": {"vi": "Giọng đọc: {engine} ({voice})", "en": "Voice: {engine} ({voice})"},
    "bulletin.audio.fallback.unreachable": {
        "vi": "dịch vụ giọng đọc trực tuyến không kết nối được",
        "en": "the online voice service could not be reached",
    },
    "bulletin.audio.fallback.failed": {"vi": "{engine} không đọc được", "en": "{engine} could not speak"},
    "bulletin.audio.duration": {"vi": "Thời lượng: {d}", "en": "Length: {d}"},
    "bulletin.audio.stale": {
        "vi": "Nội dung đã thay đổi sau lần nghe thử này. Bấm “Nghe thử” để nghe bản mới.",
        "en": "The text has changed since this preview. Press “Listen” to hear the new one.",
    },
    "bulletin.audio.noscript": {
        "vi": "Trình duyệt đang tắt JavaScript nên chưa xem cách đọc và nghe thử được. Bạn vẫn viết và gửi duyệt "
        "bình thường: khi gửi duyệt, hệ thống tự đọc văn bản thành giọng nói để lãnh đạo nghe.",
        "en": "JavaScript is off, so the reading and the preview are not available. You can still write and "
        "submit: the text is turned into speech when you submit it, for the approver to hear.",
    },
    "bulletin.audio.new_hint": {
        "vi": "Muốn phát tệp ghi âm thay cho giọng máy? Lưu bản nháp trước, rồi tải tệp lên hoặc ghi âm "
        "ở trang của bản tin.",
        "en": "Want to play a recording instead of the speech engine? Save the draft first, then upload a file "
        "or record on the bulletin's page.",
    },
    "bulletin.audio.current": {"vi": "Âm thanh hiện tại của bản tin", "en": "The bulletin's current audio"},
    "bulletin.audio.uses_upload": {
        "vi": "Loa sẽ phát tệp ghi âm này, không đọc văn bản bằng giọng máy.",
        "en": "The loudspeakers play this recording; the text is not read by the speech engine.",
    },
    "bulletin.audio.tts_redo": {
        "vi": "Nếu bạn sửa văn bản, giọng đọc sẽ được tạo lại theo văn bản mới khi gửi duyệt.",
        "en": "If you change the text, the speech is made again from the new text when it is submitted.",
    },
    "bulletin.audio.replace_link": {"vi": "Tải tệp âm thanh lên hoặc ghi âm", "en": "Upload a file or record"},
    # ------------------------------------------------------------ the bulletin page
    "bulletin.audio.title": {"vi": "Âm thanh", "en": "Audio"},
    "bulletin.audio.by_tts": {"vi": "Đọc tự động bằng {engine} ({voice})", "en": "Read by {engine} ({voice})"},
    "bulletin.audio.by_upload": {"vi": "Tệp ghi âm tải lên", "en": "Uploaded recording"},
    "bulletin.audio.upload_detail": {
        "vi": "phiên bản {n}, do {who} tải lên lúc {at}",
        "en": "version {n}, uploaded by {who} at {at}",
    },
    "bulletin.audio.none_text": {
        "vi": "Chưa có âm thanh. Khi gửi duyệt, hệ thống sẽ tự đọc văn bản thành giọng nói.",
        "en": "No audio yet. The text is turned into speech when the bulletin is submitted.",
    },
    "bulletin.audio.none_empty": {"vi": "Chưa có âm thanh.", "en": "No audio yet."},
    "bulletin.audio.own.title": {"vi": "Dùng tệp ghi âm của bạn", "en": "Use your own recording"},
    "bulletin.audio.own.hint": {
        "vi": "Tệp tải lên hoặc bản ghi âm sẽ được phát thay cho giọng máy đọc. Âm lượng được tự động cân chỉnh "
        "cho loa ngoài trời. Mỗi lần thay âm thanh tạo một phiên bản mới của bản tin.",
        "en": "An uploaded file or a recording plays instead of the speech engine. Its loudness is levelled for "
        "outdoor horns automatically. Each new audio makes a new version of the bulletin.",
    },
    "bulletin.audio.own.resubmit": {
        "vi": "Bản tin đã được duyệt: thay âm thanh sẽ gửi bản tin đi duyệt lại.",
        "en": "This bulletin is approved: new audio sends it back for approval.",
    },
    "bulletin.audio.file_label": {"vi": "Tải tệp âm thanh lên", "en": "Upload an audio file"},
    "bulletin.audio.file_hint": {
        "vi": "MP3, WAV, M4A, OGG, WEBM…; tối đa {mb} MB và {minutes} phút.",
        "en": "MP3, WAV, M4A, OGG, WEBM…; at most {mb} MB and {minutes} minutes.",
    },
    "bulletin.audio.pick": {"vi": "Chọn tệp…", "en": "Choose a file…"},
    "bulletin.audio.picked.none": {"vi": "Chưa chọn tệp nào", "en": "No file chosen"},
    "bulletin.audio.upload": {"vi": "Tải lên", "en": "Upload"},
    "bulletin.audio.choose_first": {"vi": "Hãy chọn một tệp âm thanh trước.", "en": "Choose an audio file first."},
    "bulletin.audio.uploading": {
        "vi": "Đang tải lên và xử lý âm thanh, xin chờ…",
        "en": "Uploading and processing the audio…",
    },
    "bulletin.done.audio": {
        "vi": "Đã lưu âm thanh mới cho bản tin. Bạn có thể nghe lại ở mục “Âm thanh”.",
        "en": "The new audio is saved. You can listen to it under “Audio”.",
    },
    "bulletin.audio.saved": {"vi": "Đã lưu âm thanh. Đang tải lại trang…", "en": "Audio saved. Reloading…"},
    "bulletin.audio.too_big": {
        "vi": "Tệp quá lớn ({size} MB); tối đa {mb} MB.",
        "en": "The file is too large ({size} MB); at most {mb} MB.",
    },
    "bulletin.audio.record": {"vi": "Ghi âm", "en": "Record"},
    "bulletin.audio.record.hint": {
        "vi": "Ghi âm trực tiếp bằng micrô của máy tính hoặc điện thoại, nghe lại rồi mới gửi.",
        "en": "Record with the computer's or phone's microphone, listen, then send.",
    },
    "bulletin.audio.record.start": {"vi": "● Bắt đầu ghi âm", "en": "● Start recording"},
    "bulletin.audio.record.stop": {"vi": "■ Dừng ghi âm", "en": "■ Stop recording"},
    "bulletin.audio.record.asking": {
        "vi": "Đang xin quyền dùng micrô… Nếu trình duyệt hỏi, hãy bấm “Cho phép”.",
        "en": "Asking for the microphone… If the browser asks, choose “Allow”.",
    },
    "bulletin.audio.record.on": {"vi": "Đang ghi âm: {t}", "en": "Recording: {t}"},
    "bulletin.audio.record.done": {
        "vi": "Nghe lại bản ghi âm ({t}) trước khi gửi:",
        "en": "Listen to the recording ({t}) before sending it:",
    },
    "bulletin.audio.record.send": {"vi": "Dùng bản ghi âm này", "en": "Use this recording"},
    "bulletin.audio.record.again": {"vi": "Ghi lại", "en": "Record again"},
    "bulletin.audio.record.limit": {
        "vi": "Đã tự dừng vì bản ghi đạt thời lượng tối đa ({minutes} phút).",
        "en": "Stopped: the recording reached the maximum length ({minutes} minutes).",
    },
    "bulletin.audio.mic.denied": {
        "vi": "Trình duyệt không cho phép dùng micrô. Hãy bấm biểu tượng ổ khóa cạnh địa chỉ trang, chọn cho phép "
        "“Micrô”, rồi bấm ghi âm lại.",
        "en": "The browser did not allow the microphone. Click the padlock next to the address, allow the "
        "microphone, then try again.",
    },
    "bulletin.audio.mic.missing": {
        "vi": "Không tìm thấy micrô. Hãy cắm micrô (hoặc tai nghe có micrô) rồi thử lại.",
        "en": "No microphone found. Plug one in (or a headset with a microphone) and try again.",
    },
    "bulletin.audio.mic.busy": {
        "vi": "Micrô đang bị chương trình khác sử dụng. Hãy tắt chương trình đó rồi thử lại.",
        "en": "Another program is using the microphone. Close it and try again.",
    },
    "bulletin.audio.mic.unsupported": {
        "vi": "Trình duyệt này không ghi âm được (cần địa chỉ https hoặc trình duyệt mới hơn). Bạn có thể ghi âm "
        "bằng điện thoại rồi tải tệp lên.",
        "en": "This browser cannot record here (it needs an https address or a newer browser). You can record on "
        "a phone and upload the file.",
    },
    "bulletin.audio.mic.failed": {
        "vi": "Không ghi âm được: {why}",
        "en": "Recording failed: {why}",
    },
    "bulletin.audio.noscript_upload": {
        "vi": "Cần bật JavaScript trong trình duyệt để tải tệp âm thanh lên hoặc ghi âm.",
        "en": "Turn on JavaScript in the browser to upload or record audio.",
    },
    # ------------------------------------------------------------ answers of the server, in words
    "bulletin.audio.err.network": {
        "vi": "Không kết nối được máy chủ. Vui lòng kiểm tra mạng rồi thử lại.",
        "en": "Could not reach the server. Check the network and try again.",
    },
    "bulletin.audio.err.session": {
        "vi": "Phiên đăng nhập đã hết hạn. Hãy tải lại trang và đăng nhập lại.",
        "en": "Your session has ended. Reload the page and log in again.",
    },
    "bulletin.audio.err.forbidden": {
        "vi": "Vai trò của bạn không cho phép làm việc này với bản tin này.",
        "en": "Your role does not allow this for this bulletin.",
    },
    "bulletin.audio.err.not_found": {
        "vi": "Không tìm thấy bản tin này trong địa bàn của bạn.",
        "en": "This bulletin is not in your areas.",
    },
    "bulletin.audio.err.state": {
        "vi": "Bản tin đang ở trạng thái không cho phép thay âm thanh. Hãy tải lại trang để xem trạng thái mới.",
        "en": "The bulletin's state does not allow new audio. Reload the page to see its state.",
    },
    "bulletin.audio.err.no_engine": {
        "vi": "Không tạo được giọng đọc: không có bộ đọc nào hoạt động. Vui lòng báo quản trị viên.",
        "en": "No speech could be made: no speech engine is working. Please tell the administrator.",
    },
    "bulletin.audio.err.text_long": {
        "vi": "Văn bản quá dài để đọc một lần. Hãy chia thành nhiều bản tin.",
        "en": "The text is too long to read in one go. Split it into several bulletins.",
    },
    "bulletin.audio.err.too_large": {
        "vi": "Tệp quá lớn; tối đa {mb} MB.",
        "en": "The file is too large; at most {mb} MB.",
    },
    "bulletin.audio.err.generic": {"vi": "Máy chủ từ chối: {message}", "en": "The server refused: {message}"},
    "bulletin.audio.reject.empty": {"vi": "Tệp rỗng, không có dữ liệu.", "en": "The file is empty."},
    "bulletin.audio.reject.too_large": {
        "vi": "Tệp quá lớn; tối đa {mb} MB.",
        "en": "The file is too large; at most {mb} MB.",
    },
    "bulletin.audio.reject.not_audio": {
        "vi": "Tệp này không phải âm thanh, hoặc định dạng chưa được hỗ trợ. Hãy chọn tệp MP3, WAV, M4A, OGG hoặc WEBM.",
        "en": "This file is not audio, or its format is not supported. Choose an MP3, WAV, M4A, OGG or WEBM file.",
    },
    "bulletin.audio.reject.corrupt": {
        "vi": "Tệp âm thanh bị hỏng hoặc bị cắt ngang. Hãy xuất lại tệp rồi thử lại.",
        "en": "The audio file is damaged or cut short. Export it again and retry.",
    },
    "bulletin.audio.reject.too_long": {
        "vi": "Bản ghi quá dài; tối đa {minutes} phút.",
        "en": "The recording is too long; at most {minutes} minutes.",
    },
    "bulletin.audio.reject.too_short": {
        "vi": "Bản ghi quá ngắn. Hãy ghi âm dài hơn một chút.",
        "en": "The recording is too short. Record a little longer.",
    },
    "bulletin.audio.reject.silent": {
        "vi": "Bản ghi không có tiếng (im lặng). Hãy kiểm tra micrô hoặc tệp âm thanh.",
        "en": "The recording is silent. Check the microphone or the file.",
    },
}

CLIENT_KEYS = tuple(
    k for k in MESSAGES if k.startswith(("bulletin.reading.", "bulletin.audio.")) and "noscript" not in k
)
"""The strings the page's script uses (handed to it as JSON)."""
