"""UI strings of the proof-of-play device list (Vietnamese first, then English)."""

MESSAGES: dict[str, dict[str, str]] = {
    "proof.list.nav": {"vi": "Xem từng thiết bị", "en": "See each device"},
    "proof.list.hint": {
        "vi": "Bấm vào một con số để xem các thiết bị được đếm trong đó.",
        "en": "Click a number to see the devices it counts.",
    },
    "proof.list.title": {"vi": "Thiết bị nhận bản tin", "en": "Devices of the bulletin"},
    "proof.list.back": {"vi": "Quay lại kết quả phát", "en": "Back to the proof of play"},
    "proof.list.filters": {"vi": "Lọc danh sách thiết bị", "en": "Filter the devices"},
    "proof.list.commune": {"vi": "Xã, phường", "en": "Commune"},
    "proof.list.state": {"vi": "Tình trạng", "en": "State"},
    "proof.list.play": {"vi": "Lượt phát", "en": "Play"},
    "proof.list.all": {"vi": "Tất cả", "en": "All"},
    "proof.list.filter": {"vi": "Lọc", "en": "Filter"},
    "proof.list.clear": {"vi": "Bỏ lọc", "en": "Clear"},
    "proof.list.by_state": {"vi": "Số thiết bị theo tình trạng", "en": "Devices by state"},
    "proof.list.found": {
        "vi": "{total} thiết bị, đang xem {first}–{last}.",
        "en": "{total} devices, showing {first}–{last}.",
    },
    "proof.list.found_rows": {
        "vi": "{total} dòng (mỗi dòng là một thiết bị trong một lượt phát), đang xem {first}–{last}.",
        "en": "{total} rows (one device in one play each), showing {first}–{last}.",
    },
    "proof.list.empty": {"vi": "Không có thiết bị nào khớp bộ lọc này.", "en": "No device matches these filters."},
    "proof.list.col.id": {"vi": "Mã thiết bị", "en": "Device id"},
    "proof.list.col.name": {"vi": "Tên thiết bị", "en": "Name"},
    "proof.list.col.commune": {"vi": "Xã, phường", "en": "Commune"},
    "proof.list.col.play": {"vi": "Lượt phát", "en": "Play"},
    "proof.list.col.state": {"vi": "Tình trạng", "en": "State"},
    "proof.list.col.received": {"vi": "Nhận lệnh lúc", "en": "Received"},
    "proof.list.col.downloaded": {"vi": "Tải xong lúc", "en": "Downloaded"},
    "proof.list.col.started": {"vi": "Bắt đầu phát lúc", "en": "Started"},
    "proof.list.col.finished": {"vi": "Kết thúc lúc", "en": "Finished"},
    "proof.list.col.reason": {"vi": "Lý do (thiết bị báo)", "en": "Reason (from the device)"},
    "proof.list.col.position": {"vi": "Đã phát tới", "en": "Played up to"},
    "proof.list.csv": {"vi": "Tải danh sách này (CSV)", "en": "Download this list (CSV)"},
    "proof.list.pages": {"vi": "Các trang", "en": "Pages"},
    "proof.list.time_note": {
        "vi": "Giờ Việt Nam. Mỗi mốc là giờ của chính thiết bị khi việc đó xảy ra, đã hiệu chỉnh theo độ lệch đồng hồ "
        "máy chủ biết về thiết bị (không sớm hơn lúc gửi lệnh, không muộn hơn lúc máy chủ nhận báo cáo). "
        "“Phát dở dang” không được tính là đã phát trọn bản tin.",
        "en": "Vietnam time. Each time is the device's own clock when it happened, corrected by the clock offset the "
        "server knows for that device (never before the command was sent, never after the server got the report). "
        "“Interrupted” is never counted as played in full.",
    },
    "proof.list.error.title": {"vi": "Không lọc được:", "en": "These filters could not be used:"},
    "proof.list.error.state": {
        "vi": "Tình trạng không có trong danh sách. Hãy chọn lại.",
        "en": "Unknown state: please choose one from the list.",
    },
    "proof.list.error.command": {
        "vi": "Lượt phát này không thuộc bản tin. Hãy chọn lại trong danh sách.",
        "en": "That play is not one of this bulletin's: please choose one from the list.",
    },
    "proof.list.error.commune": {
        "vi": "Xã, phường này nằm ngoài địa bàn của bạn.",
        "en": "That commune is outside your areas.",
    },
    "proof.list.error.page": {"vi": "Số trang không hợp lệ.", "en": "Invalid page number."},
}
