"""UI strings of the jingles page and of the jingle choices in the bulletin form (Vietnamese first, then English)."""

MESSAGES: dict[str, dict[str, str]] = {
    "jingle.nav": {"vi": "Nhạc hiệu", "en": "Jingles"},
    "jingle.title": {"vi": "Nhạc hiệu", "en": "Jingles"},
    "jingle.intro": {
        "vi": "Nhạc mở đầu phát trước bản tin, nhạc kết thúc phát sau bản tin. Bản tin của xã dùng được nhạc hiệu "
        "của xã và của tỉnh. Âm lượng được tự động cân bằng với giọng đọc.",
        "en": "An intro plays before a bulletin, an outro after it. A commune's bulletins may use the commune's "
        "jingles and the province's. The loudness is matched to the speech automatically.",
    },
    "jingle.list": {"vi": "Danh sách nhạc hiệu", "en": "Jingles"},
    "jingle.empty": {
        "vi": "Chưa có nhạc hiệu nào. Hãy tải lên một tệp nhạc ngắn.",
        "en": "No jingles yet. Upload a short music file.",
    },
    "jingle.field.name": {"vi": "Tên nhạc hiệu", "en": "Name"},
    "jingle.field.kind": {"vi": "Dùng làm", "en": "Used as"},
    "jingle.field.area": {"vi": "Địa bàn", "en": "Area"},
    "jingle.field.area.hint": {
        "vi": "Nhạc hiệu của tỉnh dùng được cho bản tin của mọi xã.",
        "en": "The province's jingles may be used by every commune's bulletins.",
    },
    "jingle.field.listen": {"vi": "Nghe", "en": "Listen"},
    "jingle.field.state": {"vi": "Trạng thái", "en": "State"},
    "jingle.field.file": {"vi": "Tệp âm thanh", "en": "Audio file"},
    "jingle.kind.intro": {"vi": "Nhạc mở đầu", "en": "Intro"},
    "jingle.kind.outro": {"vi": "Nhạc kết thúc", "en": "Outro"},
    "jingle.kind.any": {"vi": "Mở đầu hoặc kết thúc", "en": "Intro or outro"},
    "jingle.slot.intro": {"vi": "Nhạc mở đầu", "en": "Intro jingle"},
    "jingle.slot.outro": {"vi": "Nhạc kết thúc", "en": "Outro jingle"},
    "jingle.none": {"vi": "Không có", "en": "None"},
    "jingle.seconds": {"vi": "{s} giây", "en": "{s} s"},
    "jingle.added": {"vi": "Thêm bởi {who}, {at}", "en": "Added by {who}, {at}"},
    "jingle.active": {"vi": "Đang dùng", "en": "In use"},
    "jingle.inactive": {"vi": "Đã ngừng dùng", "en": "Deactivated"},
    "jingle.rename": {"vi": "Đổi tên", "en": "Rename"},
    "jingle.rename.label": {"vi": "Tên mới cho “{name}”", "en": "New name for “{name}”"},
    "jingle.deactivate": {"vi": "Ngừng dùng", "en": "Deactivate"},
    "jingle.activate": {"vi": "Dùng lại", "en": "Reactivate"},
    "jingle.upload.title": {"vi": "Tải lên nhạc hiệu", "en": "Upload a jingle"},
    "jingle.upload.help": {
        "vi": "Tệp MP3, WAV, M4A, OGG, FLAC…, dài tối đa {seconds} giây. Hệ thống giữ bản gốc để trộn vào bản tin.",
        "en": "An MP3, WAV, M4A, OGG, FLAC… file of at most {seconds} seconds. The original is kept for mixing "
        "into bulletins.",
    },
    "jingle.upload": {"vi": "Tải lên", "en": "Upload"},
    "jingle.done.created": {"vi": "Đã thêm nhạc hiệu.", "en": "The jingle was added."},
    "jingle.done.renamed": {"vi": "Đã đổi tên nhạc hiệu.", "en": "The jingle was renamed."},
    "jingle.done.deactivated": {
        "vi": "Đã ngừng dùng nhạc hiệu. Bản tin đang dùng nó vẫn giữ nguyên.",
        "en": "The jingle was deactivated. Bulletins that use it keep it.",
    },
    "jingle.done.activated": {"vi": "Nhạc hiệu được dùng lại.", "en": "The jingle is in use again."},
    "jingle.done.unchanged": {"vi": "Không có gì thay đổi.", "en": "Nothing changed."},
    "jingle.err.no_file": {"vi": "Hãy chọn một tệp âm thanh.", "en": "Choose an audio file."},
    "jingle.err.too_big": {"vi": "Tệp quá lớn; tối đa {mb} MB.", "en": "The file is too large; at most {mb} MB."},
    "jingle.err.name": {"vi": "Hãy đặt tên cho nhạc hiệu.", "en": "Give the jingle a name."},
    "jingle.err.name_long": {"vi": "Tên dài tối đa {n} ký tự.", "en": "The name may have at most {n} characters."},
    "jingle.err.kind_choice": {
        "vi": "Hãy chọn dùng làm nhạc mở đầu, nhạc kết thúc hay cả hai.",
        "en": "Choose intro, outro or either.",
    },
    "jingle.err.area": {
        "vi": "Hãy chọn tỉnh hoặc một xã đang hoạt động.",
        "en": "Choose the province or an active commune.",
    },
    "jingle.err.area_outside": {
        "vi": "Địa bàn {code} nằm ngoài phạm vi địa bàn của bạn.",
        "en": "Area {code} is outside your areas.",
    },
    "jingle.err.not_found": {
        "vi": "Không có nhạc hiệu này trong địa bàn của bạn.",
        "en": "There is no such jingle in your areas.",
    },
    "jingle.err.forbidden": {
        "vi": "Vai trò của bạn không được quản lý nhạc hiệu ở địa bàn này.",
        "en": "Your role may not manage jingles in this area.",
    },
    "jingle.err.action": {"vi": "Thao tác không hợp lệ.", "en": "Unknown action."},
    "jingle.err.generic": {"vi": "Không thực hiện được: {message}", "en": "Not possible: {message}"},
    "jingle.err.choice": {"vi": "Hãy chọn một nhạc hiệu trong danh sách.", "en": "Choose a jingle from the list."},
    "jingle.err.outside": {
        "vi": "Nhạc hiệu này không thuộc địa bàn của bản tin (chỉ dùng được nhạc hiệu của xã và của tỉnh).",
        "en": "This jingle is outside the bulletin's area (only the commune's and the province's may be used).",
    },
    "jingle.err.inactive": {
        "vi": "Nhạc hiệu này đã ngừng dùng; hãy chọn nhạc hiệu khác.",
        "en": "This jingle has been deactivated; choose another.",
    },
    "jingle.err.kind": {
        "vi": "Nhạc hiệu này không dùng được ở vị trí này (mở đầu hay kết thúc).",
        "en": "This jingle cannot be used in this place (intro or outro).",
    },
    "jingle.err.by_hash": {
        "vi": "Âm thanh của bản tin không có bản gốc để trộn nhạc hiệu; hãy tải lại tệp âm thanh.",
        "en": "The bulletin's audio has no original to mix jingles into; upload the audio file again.",
    },
    "jingle.err.missing": {
        "vi": "Tệp của nhạc hiệu này bị thiếu trên máy chủ; hãy tải nhạc hiệu lên lại.",
        "en": "This jingle's file is missing on the server; upload the jingle again.",
    },
    "jingle.reject.empty": {"vi": "Tệp rỗng, không có dữ liệu.", "en": "The file is empty."},
    "jingle.reject.too_large": {"vi": "Tệp quá lớn; tối đa {mb} MB.", "en": "The file is too large; at most {mb} MB."},
    "jingle.reject.not_audio": {
        "vi": "Tệp này không phải âm thanh, hoặc định dạng chưa được hỗ trợ. Hãy chọn tệp MP3, WAV, M4A, OGG hoặc FLAC.",
        "en": "This file is not audio, or its format is not supported. Choose an MP3, WAV, M4A, OGG or FLAC file.",
    },
    "jingle.reject.corrupt": {
        "vi": "Tệp âm thanh bị hỏng hoặc bị cắt ngang. Hãy xuất lại tệp rồi thử lại.",
        "en": "The audio file is damaged or cut short. Export it again and retry.",
    },
    "jingle.reject.too_long": {
        "vi": "Nhạc hiệu quá dài; tối đa {seconds} giây.",
        "en": "The jingle is too long; at most {seconds} seconds.",
    },
    "jingle.reject.too_short": {"vi": "Tệp quá ngắn.", "en": "The file is too short."},
    "jingle.reject.silent": {
        "vi": "Tệp không có tiếng (im lặng).",
        "en": "The file is silent.",
    },
    "jingle.form.legend": {"vi": "Nhạc hiệu", "en": "Jingles"},
    "jingle.form.hint": {
        "vi": "Không bắt buộc. Nhạc được phát trước và sau phần đọc, cả khi nghe thử.",
        "en": "Optional. Played before and after the bulletin, in the preview too.",
    },
    "jingle.form.manage": {"vi": "Quản lý nhạc hiệu", "en": "Manage jingles"},
    "bulletin.name.intro_jingle_id": {"vi": "Nhạc mở đầu", "en": "Intro jingle"},
    "bulletin.name.outro_jingle_id": {"vi": "Nhạc kết thúc", "en": "Outro jingle"},
}
