"""UI strings of the areas page (Vietnamese first, then English)."""

MESSAGES: dict[str, dict[str, str]] = {
    "areas.title": {"vi": "Địa bàn", "en": "Areas"},
    "areas.intro": {
        "vi": "Cây địa bàn: tỉnh → xã/phường → thôn/tổ dân phố, kèm số thiết bị của từng nơi.",
        "en": "The area tree: province → communes → villages, with the number of devices in each.",
    },
    "areas.tree": {"vi": "Cây địa bàn", "en": "Area tree"},
    "areas.expand_all": {"vi": "Mở tất cả", "en": "Expand all"},
    "areas.collapse_all": {"vi": "Thu gọn", "en": "Collapse all"},
    "areas.level.province": {"vi": "Tỉnh", "en": "Province"},
    "areas.level.commune": {"vi": "Xã/phường", "en": "Commune"},
    "areas.level.village": {"vi": "Thôn/tổ", "en": "Village"},
    "areas.code": {"vi": "mã", "en": "code"},
    "areas.devices": {"vi": "thiết bị", "en": "devices"},
    "areas.inactive": {"vi": "Đã sáp nhập / ngừng hoạt động", "en": "Merged / inactive"},
    "areas.empty": {"vi": "Chưa có địa bàn nào trong phạm vi của bạn.", "en": "No areas in your scope yet."},
    "areas.actions": {"vi": "Thao tác của cấp tỉnh", "en": "Province actions"},
    "areas.import.title": {"vi": "Nhập địa bàn từ tệp CSV", "en": "Import areas from a CSV file"},
    "areas.import.help": {
        "vi": "Tệp CSV mã UTF-8 có các cột code,name,level,parent_code (level là province, commune hoặc village). "
        "Địa bàn mới được thêm, địa bàn đã có được đổi tên. Nếu có dòng sai, không dòng nào được nhập.",
        "en": "A UTF-8 CSV file with the columns code,name,level,parent_code (level is province, commune or "
        "village). New areas are added, existing ones renamed. If any row is wrong, nothing is imported.",
    },
    "areas.import.file": {"vi": "Tệp CSV", "en": "CSV file"},
    "areas.import.submit": {"vi": "Nhập tệp", "en": "Import"},
    "areas.import.done": {
        "vi": "Đã nhập tệp: thêm {created} địa bàn, đổi tên {renamed} địa bàn.",
        "en": "File imported: {created} areas added, {renamed} renamed.",
    },
    "areas.import.failed": {
        "vi": "Tệp có {n} lỗi nên chưa nhập dòng nào. Vui lòng sửa các dòng dưới đây rồi nhập lại.",
        "en": "The file has {n} error(s), so nothing was imported. Please fix the rows below and try again.",
    },
    "areas.import.no_file": {"vi": "Vui lòng chọn một tệp CSV.", "en": "Please choose a CSV file."},
    "areas.import.too_big": {
        "vi": "Tệp quá lớn (tối đa {mb} MB). Không có thay đổi nào.",
        "en": "The file is too large (at most {mb} MB). Nothing was changed.",
    },
    "areas.import.outside": {
        "vi": "Tệp có địa bàn thuộc tỉnh {code}, ngoài phạm vi bạn được quản lý. Không có thay đổi nào.",
        "en": "The file has areas in province {code}, outside what you manage. Nothing was changed.",
    },
    "areas.errors.row": {"vi": "Dòng", "en": "Row"},
    "areas.errors.field": {"vi": "Cột", "en": "Column"},
    "areas.errors.message": {"vi": "Lỗi", "en": "Problem"},
    "areas.errors.caption": {"vi": "Các dòng bị lỗi", "en": "Rows with errors"},
    "areas.merge.title": {"vi": "Chuyển thiết bị khi sáp nhập xã/phường", "en": "Move devices in a commune merger"},
    "areas.merge.help": {
        "vi": "Chuyển toàn bộ thiết bị và thôn/tổ dân phố của một xã/phường sang xã/phường mới. "
        "Bạn sẽ xem trước trước khi xác nhận. Lịch sử của thiết bị vẫn được giữ nguyên.",
        "en": "Move every device and village of one commune into another. You see a preview before you "
        "confirm. The devices' history is kept.",
    },
    "areas.merge.from": {"vi": "Chuyển từ xã/phường", "en": "From commune"},
    "areas.merge.to": {"vi": "Sang xã/phường", "en": "Into commune"},
    "areas.merge.choose": {"vi": "— Chọn —", "en": "— Choose —"},
    "areas.merge.preview": {"vi": "Xem trước", "en": "Preview"},
    "areas.merge.preview_title": {"vi": "Xem trước việc chuyển thiết bị", "en": "Merger preview"},
    "areas.merge.summary": {
        "vi": "Chuyển từ {src} sang {dst}:",
        "en": "From {src} into {dst}:",
    },
    "areas.merge.device_count": {"vi": "Số thiết bị sẽ chuyển", "en": "Devices to move"},
    "areas.merge.village_count": {"vi": "Số thôn/tổ dân phố sẽ chuyển", "en": "Villages to move"},
    "areas.merge.first_devices": {
        "vi": "Thiết bị sẽ chuyển (hiển thị tối đa {n})",
        "en": "Devices to move (at most {n} shown)",
    },
    "areas.merge.and_more": {"vi": "và {n} thiết bị khác", "en": "and {n} more"},
    "areas.merge.villages": {"vi": "Thôn/tổ dân phố", "en": "Villages"},
    "areas.merge.none": {"vi": "Không có", "en": "None"},
    "areas.merge.after": {
        "vi": "Sau khi xác nhận, {src} được đánh dấu đã sáp nhập. Lịch sử kết nối và phát của thiết bị vẫn được giữ.",
        "en": "After you confirm, {src} is marked as merged. The devices' connection and playback history is kept.",
    },
    "areas.merge.reason": {"vi": "Lý do", "en": "Reason"},
    "areas.merge.reason_default": {
        "vi": "Sáp nhập đơn vị hành chính cấp xã",
        "en": "Commune merger",
    },
    "areas.merge.reason_long": {
        "vi": "Lý do quá dài (tối đa {n} ký tự). Không có thay đổi nào.",
        "en": "The reason is too long (at most {n} characters). Nothing was changed.",
    },
    "areas.merge.confirm": {"vi": "Xác nhận chuyển", "en": "Confirm the move"},
    "areas.merge.cancel": {"vi": "Huỷ, quay lại", "en": "Cancel, go back"},
    "areas.merge.done": {
        "vi": "Đã chuyển {devices} thiết bị và {villages} thôn/tổ dân phố từ {src} sang {dst}.",
        "en": "Moved {devices} devices and {villages} villages from {src} into {dst}.",
    },
    "areas.merge.missing": {
        "vi": "Vui lòng chọn cả xã/phường chuyển đi và xã/phường nhận.",
        "en": "Please choose both the commune to move from and the one to move into.",
    },
    "areas.merge.unknown": {
        "vi": "Không tìm thấy xã/phường có mã {code} trong địa bàn của bạn. Không có thay đổi nào.",
        "en": "No commune with code {code} in your area. Nothing was changed.",
    },
    "areas.merge.forbidden": {
        "vi": "Bạn không có quyền chuyển thiết bị của {code}. Không có thay đổi nào.",
        "en": "You may not move the devices of {code}. Nothing was changed.",
    },
    "areas.merge.same": {
        "vi": "Xã/phường chuyển đi và xã/phường nhận phải khác nhau. Không có thay đổi nào.",
        "en": "The two communes must be different. Nothing was changed.",
    },
    "areas.merge.inactive": {
        "vi": "Xã/phường nhận ({code}) đã sáp nhập hoặc ngừng hoạt động, không thể nhận thiết bị. Không có thay đổi nào.",
        "en": "The receiving commune ({code}) is merged or inactive and cannot take devices. Nothing was changed.",
    },
    "areas.merge.not_commune": {
        "vi": "Chỉ có thể chuyển giữa hai xã/phường (không phải tỉnh hay thôn). Không có thay đổi nào.",
        "en": "Both areas must be communes (not a province or a village). Nothing was changed.",
    },
    "areas.csv.missing_column": {"vi": "Thiếu cột này ở dòng tiêu đề", "en": "This column is missing from the header"},
    "areas.csv.unknown_column": {
        "vi": "Cột không được hỗ trợ (chỉ dùng: {cols})",
        "en": "Unknown column (expected {cols})",
    },
    "areas.csv.extra_fields": {"vi": "Dòng có nhiều ô hơn số cột", "en": "More fields than columns"},
    "areas.csv.duplicate": {"vi": "Mã {code} bị lặp lại trong tệp", "en": "Code {code} appears twice in the file"},
    "areas.csv.bad_code": {"vi": "“{code}” không phải là mã địa bàn hợp lệ", "en": "“{code}” is not a valid area code"},
    "areas.csv.no_name": {"vi": "Thiếu tên địa bàn", "en": "A name is required"},
    "areas.csv.bad_level": {
        "vi": "Cấp “{value}” không hợp lệ; chỉ dùng: {allowed}",
        "en": "Level “{value}” is not one of {allowed}",
    },
    "areas.csv.province_parent": {
        "vi": "Tỉnh không có cấp trên: để trống parent_code",
        "en": "A province has no parent: leave parent_code empty",
    },
    "areas.csv.no_parent": {
        "vi": "Thiếu mã cấp trên (parent_code)",
        "en": "The parent code (parent_code) is missing",
    },
    "areas.csv.unknown_parent": {
        "vi": "Không tìm thấy địa bàn cấp trên “{code}” (trong tệp hoặc trong hệ thống)",
        "en": "Unknown parent “{code}” (neither in the file nor in the system)",
    },
    "areas.csv.parent_level": {
        "vi": "Cấp trên của {level} phải là {want}, không phải {got}",
        "en": "The parent of a {level} must be a {want}, not a {got}",
    },
    "areas.csv.exists": {
        "vi": "Mã {code} đã có (thuộc {parent}); muốn chuyển thì dùng chức năng sáp nhập",
        "en": "Code {code} already exists under {parent}; use the merger to move it",
    },
    "areas.csv.not_utf8": {"vi": "Tệp không phải văn bản mã UTF-8", "en": "The file is not UTF-8 text"},
}
