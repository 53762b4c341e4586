"""UI strings of the abbreviation dictionary page (Vietnamese first, then English)."""

MESSAGES: dict[str, dict[str, str]] = {
    "abbr.nav": {"vi": "Từ viết tắt", "en": "Abbreviations"},
    "abbr.title": {"vi": "Từ điển từ viết tắt", "en": "Abbreviation dictionary"},
    "abbr.intro": {
        "vi": "Khi chuyển văn bản thành giọng nói, các từ viết tắt được đọc thành đủ chữ theo từ điển này. Từ điển "
        "có sẵn các từ viết tắt hành chính thông dụng (mặc định); tỉnh có thể thêm hoặc đổi cách đọc cho toàn "
        "tỉnh, và mỗi xã, phường có thể thêm cách đọc riêng, được dùng trong xã đó thay cho cách đọc của tỉnh.",
        "en": "When a text is turned into speech, abbreviations are read out in full from this dictionary. It comes "
        "with common administrative abbreviations (defaults); the province may add or change readings for the whole "
        "province, and each commune may add its own, used in that commune instead of the province's.",
    },
    "abbr.area": {"vi": "Từ điển của", "en": "Dictionary of"},
    "abbr.search": {"vi": "Tìm từ viết tắt hoặc cách đọc", "en": "Find an abbreviation or reading"},
    "abbr.show": {"vi": "Xem", "en": "Show"},
    "abbr.level.province": {"vi": "toàn tỉnh", "en": "whole province"},
    "abbr.level.commune": {"vi": "riêng xã/phường", "en": "commune's own"},
    "abbr.count": {
        "vi": "{n} từ viết tắt ({own} mục riêng của địa bàn này).",
        "en": "{n} abbreviations ({own} entries of this area's own).",
    },
    "abbr.count.shown": {"vi": "Đang hiện {shown} mục khớp “{q}”.", "en": "Showing {shown} matching “{q}”."},
    "abbr.col.abbreviation": {"vi": "Từ viết tắt", "en": "Abbreviation"},
    "abbr.col.reading": {"vi": "Cách đọc", "en": "Reading"},
    "abbr.col.source": {"vi": "Nguồn", "en": "Source"},
    "abbr.col.updated": {"vi": "Cập nhật", "en": "Updated"},
    "abbr.col.actions": {"vi": "Thao tác", "en": "Actions"},
    "abbr.source.default": {"vi": "Mặc định", "en": "Default"},
    "abbr.source.province": {"vi": "Toàn tỉnh", "en": "Province"},
    "abbr.source.commune": {"vi": "Riêng {name}", "en": "{name} only"},
    "abbr.replaces": {"vi": "thay cho: {reading}", "en": "instead of: {reading}"},
    "abbr.off": {"vi": "Đã tắt — đọc là: {spoken}", "en": "Switched off — read as: {spoken}"},
    "abbr.none": {"vi": "Không có từ viết tắt nào khớp.", "en": "No abbreviation matches."},
    "abbr.edit": {"vi": "Sửa", "en": "Edit"},
    "abbr.delete": {"vi": "Xóa", "en": "Delete"},
    "abbr.delete.label": {"vi": "Xóa mục “{abbr}”", "en": "Delete the entry “{abbr}”"},
    "abbr.override": {"vi": "Đổi cách đọc", "en": "Change reading"},
    "abbr.override.label": {"vi": "Đổi cách đọc “{abbr}” cho {area}", "en": "Change how “{abbr}” is read in {area}"},
    "abbr.form.add": {"vi": "Thêm từ viết tắt cho {area}", "en": "Add an abbreviation for {area}"},
    "abbr.form.edit": {"vi": "Sửa mục “{abbr}” của {area}", "en": "Edit the entry “{abbr}” of {area}"},
    "abbr.form.abbreviation": {"vi": "Từ viết tắt (viết như trong văn bản)", "en": "Abbreviation (as texts write it)"},
    "abbr.form.abbreviation.help": {
        "vi": "Viết hoa (ví dụ UBND) thì chỉ khớp đúng kiểu chữ đó; viết thường (ví dụ tp.) thì khớp mọi kiểu chữ. "
        "Bắt đầu bằng một chữ cái; được dùng chữ, số, dấu cách và các dấu . & / - ' ,",
        "en": "In capitals (e.g. UBND) it matches exactly that; in lower case (e.g. tp.) it matches any case. Start "
        "with a letter; letters, digits, spaces and . & / - ' , may follow.",
    },
    "abbr.form.reading": {"vi": "Cách đọc", "en": "Reading"},
    "abbr.form.reading.help": {
        "vi": "Các từ sẽ được đọc: chỉ chữ, dấu cách và dấu phẩy (để ngắt hơi); số viết bằng chữ. Để trống để tắt "
        "một từ có sẵn: khi đó từ được đánh vần hoặc đọc như một tiếng.",
        "en": "The words to say: letters, spaces and commas (a pause) only; numbers in words. Leave empty to switch "
        "off an existing entry: the word is then spelled out or read as a word.",
    },
    "abbr.form.save": {"vi": "Lưu", "en": "Save"},
    "abbr.form.add.button": {"vi": "Thêm vào từ điển", "en": "Add to the dictionary"},
    "abbr.form.cancel": {"vi": "Hủy sửa", "en": "Cancel"},
    "abbr.readonly": {
        "vi": "Bạn chỉ được xem từ điển này. Từ điển toàn tỉnh do quản trị tỉnh sửa; từ điển của xã, phường do "
        "biên tập viên và lãnh đạo duyệt tin của xã, phường đó sửa.",
        "en": "You may only read this dictionary. The province's is edited by province administrators; a commune's "
        "by its editors and approvers.",
    },
    "abbr.done.created": {"vi": "Đã thêm “{abbr}”.", "en": "“{abbr}” added."},
    "abbr.done.updated": {"vi": "Đã lưu “{abbr}”.", "en": "“{abbr}” saved."},
    "abbr.done.deleted": {"vi": "Đã xóa “{abbr}”.", "en": "“{abbr}” deleted."},
    "abbr.try.title": {"vi": "Thử đọc", "en": "Try it"},
    "abbr.try.hint": {
        "vi": "Gõ một câu để xem nó sẽ được đọc thế nào với từ điển hiện tại của {area}.",
        "en": "Type a sentence to see how it will be read with the current dictionary of {area}.",
    },
    "abbr.try.sample": {"vi": "Câu thử", "en": "Sample sentence"},
    "abbr.try.button": {"vi": "Xem cách đọc", "en": "Show the reading"},
    "abbr.try.result": {"vi": "Sẽ được đọc là:", "en": "Will be read as:"},
    "abbr.try.default": {
        "vi": "UBND xã phối hợp với Sở TT&TT triển khai CĐS, ứng dụng CNTT trong CCHC.",
        "en": "UBND xã phối hợp với Sở TT&TT triển khai CĐS, ứng dụng CNTT trong CCHC.",
    },
    "abbr.from_form": {"vi": "Từ điển từ viết tắt (mở trang mới)", "en": "Abbreviation dictionary (opens a new tab)"},
    "abbr.not_found": {
        "vi": "Không có địa bàn hoặc mục này trong phạm vi địa bàn của bạn.",
        "en": "No such area or entry within your areas.",
    },
    # Refusals (the service's codes); {abbr}, {chars}, {max}, {upper}, {area} come from the refusal.
    "abbr.err.abbr_empty": {"vi": "Hãy nhập từ viết tắt.", "en": "Write the abbreviation."},
    "abbr.err.abbr_long": {"vi": "Từ viết tắt dài tối đa {max} ký tự.", "en": "At most {max} characters."},
    "abbr.err.abbr_chars": {
        "vi": "Từ viết tắt phải bắt đầu bằng chữ cái và chỉ gồm chữ, số, dấu cách và các dấu . & / - ' , "
        "(không dùng: {chars}).",
        "en": "Start with a letter; then letters, digits, spaces and . & / - ' , only (not: {chars}).",
    },
    "abbr.err.abbr_word": {
        "vi": "“{abbr}” viết thường là một tiếng có nghĩa: mọi chữ “{abbr}” trong mọi văn bản sẽ bị đọc khác đi. "
        "Hãy viết như trong văn bản, ví dụ “{upper}”.",
        "en": "“{abbr}” in lower case is a Vietnamese word: every “{abbr}” in every text would be read differently. "
        "Write it as texts do, e.g. “{upper}”.",
    },
    "abbr.err.abbr_unmatched": {
        "vi": "Khi đọc văn bản, hệ thống không nhận ra “{abbr}” là một từ (nó được tách thành chữ và số, ngày tháng "
        "hoặc số hiệu văn bản trước), nên mục này sẽ không có tác dụng.",
        "en": "The reader does not see “{abbr}” as one word in a text (it takes it apart as letters and numbers, a "
        "date or a document code first): the entry would do nothing.",
    },
    "abbr.err.reading_long": {"vi": "Cách đọc dài tối đa {max} ký tự.", "en": "At most {max} characters."},
    "abbr.err.reading_chars": {
        "vi": "Cách đọc là các từ sẽ được đọc: chỉ dùng chữ, dấu cách và dấu phẩy; số viết bằng chữ "
        "(không dùng: {chars}).",
        "en": "The reading is the words to say: letters, spaces and commas only, numbers in words (not: {chars}).",
    },
    "abbr.err.duplicate": {
        "vi": "“{abbr}” đã có trong từ điển này: hãy sửa mục đó.",
        "en": "“{abbr}” is already in this dictionary: edit that entry.",
    },
    "abbr.err.nothing_to_disable": {
        "vi": "Để trống cách đọc là để tắt một từ đã có trong từ điển, nhưng từ điển chưa có “{abbr}”. Hãy nhập "
        "cách đọc.",
        "en": "An empty reading switches off an entry the dictionary has, and it has none for “{abbr}”. Write the "
        "reading.",
    },
    "abbr.err.area_inactive": {
        "vi": "{area} đã được sáp nhập, không thêm mục mới được.",
        "en": "{area} was merged into another commune: no new entries.",
    },
    "abbr.err.forbidden": {
        "vi": "Vai trò của bạn không được sửa từ điển này.",
        "en": "Your role may not change this dictionary.",
    },
}
