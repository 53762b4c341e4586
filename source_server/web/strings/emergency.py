"""UI strings of the emergency screen (Vietnamese first, then English)."""

MESSAGES: dict[str, dict[str, str]] = {
    "nav.emergency": {"vi": "Khẩn cấp", "en": "Emergency"},
    "emergency.title": {"vi": "Phát bản tin khẩn cấp", "en": "Emergency broadcast"},
    "emergency.intro": {
        "vi": "Bản tin khẩn cấp được phát ngay trên mọi cụm loa của địa bàn đã chọn, ngắt chương trình đang phát. "
        "Việc gửi được ghi vào nhật ký.",
        "en": "An emergency bulletin plays at once on every loudspeaker of the chosen area, interrupting the "
        "programme. Sending it is logged.",
    },
    "emergency.who": {
        "vi": "Chỉ lãnh đạo xã, quản trị hoặc vận hành cấp tỉnh được phát khẩn cấp.",
        "en": "Only the commune leader or the province's administrators and operators may send an emergency.",
    },
    "emergency.area": {"vi": "Phát tới", "en": "Send to"},
    "emergency.headline": {"vi": "Tiêu đề", "en": "Title"},
    "emergency.text": {"vi": "Nội dung sẽ được đọc", "en": "Text to read aloud"},
    "emergency.check": {"vi": "Kiểm tra trước khi phát", "en": "Check before sending"},
    "emergency.confirm": {
        "vi": "Xác nhận phát khẩn cấp tới {n} thiết bị?",
        "en": "Send this emergency to {n} devices?",
    },
    "emergency.send": {"vi": "PHÁT KHẨN CẤP NGAY", "en": "SEND EMERGENCY NOW"},
    "emergency.back": {"vi": "Sửa lại", "en": "Edit"},
    "emergency.live": {"vi": "Đang phát khẩn cấp", "en": "Emergency on air"},
    "emergency.reached": {"vi": "Thiết bị đã nhận và phát", "en": "Devices reached"},
    "emergency.stop": {"vi": "DỪNG PHÁT KHẨN CẤP", "en": "STOP THE EMERGENCY"},
    "emergency.stop.confirm": {
        "vi": "Dừng phát bản tin khẩn cấp trên mọi thiết bị?",
        "en": "Stop the emergency on every device?",
    },
    "emergency.stopped": {"vi": "Đã gửi lệnh dừng tới mọi thiết bị.", "en": "Stop sent to every device."},
    "emergency.updated": {"vi": "Tự cập nhật mỗi giây", "en": "Updates every second"},
    "emergency.state.on_air": {"vi": "Đang phát", "en": "On air"},
    "emergency.state.done": {"vi": "Đã kết thúc", "en": "Finished"},
    "proof.title": {"vi": "Kết quả phát trên thiết bị", "en": "Proof of play"},
    "proof.plays": {"vi": "Theo từng lượt phát", "en": "By play"},
    "proof.start": {"vi": "Giờ phát", "en": "Start"},
    "proof.target": {"vi": "Nơi phát", "en": "Where"},
    "proof.devices": {"vi": "thiết bị", "en": "devices"},
    "proof.by_commune": {"vi": "Theo xã, phường", "en": "By commune"},
    "proof.total": {"vi": "Tổng số thiết bị", "en": "Devices"},
}
