"""Words for domain error codes that no page had its own string for (the table is ``web/kit/errors.py``)."""

MESSAGES: dict[str, dict[str, str]] = {
    "err.read_only": {"vi": "Trường “{field}” không thay đổi được.", "en": "The field “{field}” cannot be changed."},
    "err.generic": {"vi": "Không thực hiện được: {message}", "en": "Not possible: {message}"},
    "bulletin.err.target_refused": {
        "vi": "Không gửi được tới nơi phát đã chọn. Vui lòng chọn lại nơi phát.",
        "en": "It cannot be sent to the chosen place. Please choose again.",
    },
    "bulletin.err.target_no_device": {
        "vi": "Nơi phát đã chọn chưa có thiết bị nào.",
        "en": "The chosen place has no device yet.",
    },
    "bulletin.err.text_unspeakable": {"vi": "Thông tin chưa đúng: {detail}", "en": "Not valid: {detail}"},
    "bulletin.err.validity_ended": {
        "vi": "Bản tin đã hết hiệu lực, không phát được nữa.",
        "en": "The bulletin's validity has ended; it can no longer play.",
    },
    "bulletin.err.changed_meanwhile": {
        "vi": "Bản tin vừa thay đổi trong lúc tạo âm thanh. Vui lòng thử lại.",
        "en": "The bulletin changed while its audio was made. Please try again.",
    },
    "bulletin.err.no_audio": {
        "vi": "Bản tin chưa có âm thanh để phát.",
        "en": "The bulletin has no audio to play.",
    },
    "bulletin.err.audio_missing": {
        "vi": "Tệp âm thanh đã tải lên bị thiếu trên máy chủ; vui lòng tải lại.",
        "en": "The uploaded audio file is missing on the server; please upload it again.",
    },
    "bulletin.err.media_unknown": {
        "vi": "Không tìm thấy tệp đã chọn trên máy chủ; vui lòng tải tệp lên trước.",
        "en": "The chosen file is not on the server; please upload it first.",
    },
    "bulletin.err.media_wrong_type": {
        "vi": "Tệp đã chọn không đúng loại cho hình thức phát này.",
        "en": "The chosen file is not of the right type for this form of the bulletin.",
    },
    "bulletin.err.rendition_kind": {
        "vi": "Hình thức phát không hợp lệ (âm thanh, chữ, hình ảnh, video hoặc phát trực tiếp).",
        "en": "Unknown form of the bulletin (audio, text, image, video or stream).",
    },
    "bulletin.err.rendition_audio": {
        "vi": "Âm thanh được tạo từ nội dung chữ, tải tệp lên, hoặc chọn tệp đã có.",
        "en": "The audio is made from the text, uploaded, or chosen from a stored file.",
    },
    "bulletin.err.duration_invalid": {
        "vi": "Thời lượng phải là một số dương.",
        "en": "The length must be a positive number.",
    },
    "bulletin.err.duration_missing": {
        "vi": "Vui lòng ghi thời gian hiển thị.",
        "en": "Please say how long it is shown.",
    },
    "bulletin.err.stream_url": {
        "vi": "Nguồn phát trực tiếp phải là một địa chỉ http(s).",
        "en": "A stream is an http(s) address.",
    },
    "bulletin.err.stream_type": {
        "vi": "Vui lòng ghi loại nội dung của nguồn phát trực tiếp, ví dụ audio/mpeg.",
        "en": "Please say what the stream carries, e.g. audio/mpeg.",
    },
    "programme.err.kind": {
        "vi": "Hình thức phát không hợp lệ.",
        "en": "Unknown form of the bulletin.",
    },
    "bulletin.err.command_not_play": {
        "vi": "Lệnh này không phải lượt phát của bản tin này.",
        "en": "This command is not a play of this bulletin.",
    },
    "jingle.err.broken": {
        "vi": "Tệp của nhạc hiệu đã chọn không đọc được; hãy chọn nhạc hiệu khác hoặc tải lại.",
        "en": "The chosen jingle's file cannot be read; choose another or upload it again.",
    },
    "programme.err.at": {
        "vi": "Vui lòng ghi giờ phát kèm múi giờ, ví dụ 2026-01-10T06:00:00+07:00.",
        "en": "Give the time with its offset, e.g. 2026-01-10T06:00:00+07:00.",
    },
    "programme.err.slot_or_time": {
        "vi": "Vui lòng chọn một khung giờ và một ngày, hoặc một giờ phát.",
        "en": "Choose either a slot and a day, or a time.",
    },
    "programme.err.position": {
        "vi": "Vị trí trong khung giờ đếm từ 0.",
        "en": "A position counts from 0.",
    },
    "programme.err.item_list": {
        "vi": "Danh sách bản tin không khớp với khung giờ này. Vui lòng tải lại trang.",
        "en": "The list does not match this slot's items. Please reload the page.",
    },
    "programme.err.not_priority": {
        "vi": "Chỉ bản tin ưu tiên mới chèn được theo cách này; bản tin thường xếp vào khung giờ, bản tin khẩn cấp "
        "phát ngay.",
        "en": "Only a priority bulletin is inserted this way; place a normal one in a slot, send an emergency at once.",
    },
    "areas.merge.invalid": {"vi": "{field}: {message}", "en": "{field}: {message}"},
    "areas.csv.generic": {"vi": "{message}", "en": "{message}"},
}
