"""UI strings of the province dashboard and the shared status names (Vietnamese first, then English)."""

MESSAGES: dict[str, dict[str, str]] = {
    "status.online": {"vi": "Trực tuyến", "en": "Online"},
    "status.stale": {"vi": "Im lặng", "en": "Silent"},
    "status.reconnecting": {"vi": "Đang kết nối lại", "en": "Reconnecting"},
    "status.offline": {"vi": "Mất kết nối", "en": "Offline"},
    "status.never_seen": {"vi": "Chưa từng kết nối", "en": "Never seen"},
    "status.unverified": {"vi": "Chưa xác minh", "en": "Unverified"},
    "status.total": {"vi": "Tổng", "en": "Total"},
    "kind.speaker": {"vi": "Cụm loa", "en": "Speaker clusters"},
    "kind.eboard": {"vi": "Bảng tin điện tử", "en": "E-boards"},
    "dash.title.province": {"vi": "Tổng quan toàn tỉnh", "en": "Province overview"},
    "dash.title.commune": {"vi": "Tổng quan", "en": "Overview"},
    "dash.connected": {"vi": "Đã kết nối", "en": "Connected"},
    "dash.of": {"vi": "trên", "en": "of"},
    "dash.live.on": {"vi": "Đang cập nhật trực tiếp", "en": "Updating live"},
    "dash.live.off": {"vi": "Mất cập nhật trực tiếp, đang kết nối lại…", "en": "Live updates lost, reconnecting…"},
    "broker.down": {
        "vi": "Máy chủ đang mất kết nối tới MQTT broker: chưa xác minh được thiết bị nào đang kết nối. Trạng thái "
        "hiển thị là trạng thái cuối cùng đã biết (“chưa xác minh”); đây là sự cố của máy chủ, không phải mọi "
        "thiết bị trong tỉnh đều mất kết nối.",
        "en": "The server cannot reach its MQTT broker: no device's connection can be verified. Statuses shown "
        "are the last known ones (“unverified”); this is the server's outage, not every device of the province "
        "going offline.",
    },
    "dash.search": {"vi": "Tìm thiết bị theo mã hoặc tên", "en": "Find a device by id or name"},
    "dash.search.button": {"vi": "Tìm", "en": "Search"},
    "dash.filter.kind": {"vi": "Loại thiết bị", "en": "Device kind"},
    "dash.filter.vendor": {"vi": "Nhà cung cấp", "en": "Vendor"},
    "dash.filter.status": {"vi": "Xã có thiết bị", "en": "Communes with devices"},
    "dash.filter.all": {"vi": "Tất cả", "en": "All"},
    "dash.filter.apply": {"vi": "Lọc", "en": "Filter"},
    "dash.filter.clear": {"vi": "Bỏ lọc", "en": "Clear"},
    "dash.communes": {
        "vi": "Xã, phường theo tình trạng kết nối (kém nhất trước)",
        "en": "Communes by connectivity (worst first)",
    },
    "dash.commune": {"vi": "Xã / phường", "en": "Commune"},
    "dash.ratio": {"vi": "Tỷ lệ kết nối", "en": "Connected share"},
    "dash.none": {"vi": "Không có xã, phường nào khớp bộ lọc.", "en": "No commune matches the filters."},
    "dash.map": {"vi": "Bản đồ thiết bị", "en": "Device map"},
    "dash.map.help": {
        "vi": "Mỗi chấm là một xã, phường (màu theo tỷ lệ kết nối); chọn một chấm để xem từng thiết bị. "
        "Bản đồ không cần Internet.",
        "en": "Each dot is a commune (coloured by connected share); pick one to see its devices. "
        "The map works without the Internet.",
    },
    "dash.map.province": {"vi": "Toàn tỉnh", "en": "Whole province"},
    "dash.map.devices_of": {"vi": "Thiết bị của", "en": "Devices of"},
    "dash.map.online_of": {"vi": "trực tuyến", "en": "online"},
    "dash.map.empty": {"vi": "Chưa có thiết bị nào có tọa độ.", "en": "No device has coordinates yet."},
    "dash.map.back": {"vi": "Quay lại toàn tỉnh", "en": "Back to the province"},
    "dash.devices_link": {"vi": "Xem danh sách thiết bị", "en": "See the device list"},
}
