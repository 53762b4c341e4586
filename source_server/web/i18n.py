"""UI strings in Vietnamese (first) and English; the language comes from ``?lang=`` or the ``nguon_lang`` cookie."""

from __future__ import annotations

from fastapi import Request

LANGS = ("vi", "en")
DEFAULT_LANG = "vi"
LANG_COOKIE = "nguon_lang"

MESSAGES: dict[str, dict[str, str]] = {
    "product": {"vi": "Nguồn", "en": "Nguồn"},
    "tagline": {"vi": "Hệ thống nguồn thông tin cơ sở", "en": "Grassroots broadcast source system"},
    "skip": {"vi": "Bỏ qua, tới nội dung chính", "en": "Skip to main content"},
    "nav.label": {"vi": "Điều hướng chính", "en": "Main navigation"},
    "nav.overview": {"vi": "Tổng quan", "en": "Overview"},
    "nav.devices": {"vi": "Thiết bị", "en": "Devices"},
    "nav.alarms": {"vi": "Cảnh báo", "en": "Alarms"},
    "nav.areas": {"vi": "Địa bàn", "en": "Areas"},
    "nav.audit": {"vi": "Nhật ký", "en": "Audit log"},
    "alarms.open": {"vi": "cảnh báo đang mở", "en": "open alarms"},
    "logout": {"vi": "Đăng xuất", "en": "Log out"},
    "login": {"vi": "Đăng nhập", "en": "Log in"},
    "login.title": {"vi": "Đăng nhập hệ thống", "en": "Log in"},
    "login.username": {"vi": "Tên đăng nhập", "en": "Username"},
    "login.password": {"vi": "Mật khẩu", "en": "Password"},
    "login.failed": {
        "vi": "Tên đăng nhập hoặc mật khẩu không đúng.",
        "en": "Wrong username or password.",
    },
    "login.locked": {
        "vi": "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút.",
        "en": "Too many failed log-ins. Please try again in 15 minutes.",
    },
    "login.expired": {
        "vi": "Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại.",
        "en": "Your session has expired. Please log in again.",
    },
    "login.bad_form": {
        "vi": "Biểu mẫu đã hết hạn. Vui lòng thử lại.",
        "en": "The form has expired. Please try again.",
    },
    "logged_out": {"vi": "Bạn đã đăng xuất.", "en": "You have logged out."},
    "lang.switch": {"vi": "English", "en": "Tiếng Việt"},
    "lang.label": {"vi": "Ngôn ngữ", "en": "Language"},
    "user.signed_in_as": {"vi": "Đang đăng nhập:", "en": "Signed in as:"},
    "home.welcome": {
        "vi": "Trang tổng quan toàn tỉnh sẽ hiển thị tại đây.",
        "en": "The province dashboard will be shown here.",
    },
    "audit.title": {"vi": "Nhật ký hoạt động", "en": "Audit log"},
    "audit.filter": {"vi": "Lọc", "en": "Filter"},
    "audit.actor": {"vi": "Người thực hiện", "en": "Actor"},
    "audit.action": {"vi": "Hành động", "en": "Action"},
    "audit.area": {"vi": "Địa bàn", "en": "Area"},
    "audit.since": {"vi": "Từ ngày", "en": "From"},
    "audit.until": {"vi": "Đến ngày", "en": "To"},
    "audit.at": {"vi": "Thời điểm (UTC)", "en": "Time (UTC)"},
    "audit.object": {"vi": "Đối tượng", "en": "Object"},
    "audit.ip": {"vi": "Địa chỉ IP", "en": "IP address"},
    "audit.summary": {"vi": "Ghi chú", "en": "Summary"},
    "audit.export": {"vi": "Xuất CSV", "en": "Export CSV"},
    "audit.empty": {"vi": "Không có mục nào.", "en": "No entries."},
    "audit.total": {"vi": "mục", "en": "entries"},
    "page.prev": {"vi": "Trang trước", "en": "Previous page"},
    "page.next": {"vi": "Trang sau", "en": "Next page"},
    "forbidden": {"vi": "Bạn không có quyền xem trang này.", "en": "You may not view this page."},
}


def t(key: str, lang: str = DEFAULT_LANG) -> str:
    """The text of ``key`` in ``lang`` (Vietnamese, then the key itself, when missing)."""
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    return entry.get(lang) or entry[DEFAULT_LANG]


def get_lang(request: Request) -> str:
    """The request's language: ``?lang=`` first, then the cookie, then Vietnamese."""
    for value in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if value in LANGS:
            return value
    return DEFAULT_LANG
