"""UI strings of the programme pages: the week, slots, placing a bulletin, reordering (Vietnamese first)."""

MESSAGES: dict[str, dict[str, str]] = {
    "programme.nav": {"vi": "Lịch phát", "en": "Schedule"},
    "programme.title": {"vi": "Lịch phát", "en": "Broadcast schedule"},
    "programme.title_of": {"vi": "Lịch phát — {area}", "en": "Broadcast schedule — {area}"},
    "programme.intro": {
        "vi": "Các khung giờ phát thanh trong tuần và các bản tin xếp trong từng khung, theo giờ Việt Nam.",
        "en": "The week's broadcast slots and the bulletins placed in each, in Vietnam time.",
    },
    "programme.readonly": {
        "vi": "Bạn được xem lịch phát này. Chỉ cán bộ biên tập, lãnh đạo xã, phường hoặc cán bộ tỉnh mới thay đổi được.",
        "en": "You may view this schedule. Only editors, commune leaders or provincial staff can change it.",
    },
    "programme.back": {"vi": "← Về lịch phát", "en": "← Back to the schedule"},
    "programme.pick.label": {"vi": "Xem lịch phát của", "en": "Show the schedule of"},
    "programme.pick.go": {"vi": "Xem", "en": "Show"},
    "programme.pick.province": {"vi": "{name} (lịch phát của tỉnh)", "en": "{name} (the province's schedule)"},
    # ------------------------------------------------------------ the week
    "programme.week.nav": {"vi": "Chọn tuần", "en": "Choose the week"},
    "programme.week.prev": {"vi": "← Tuần trước", "en": "← Previous week"},
    "programme.week.next": {"vi": "Tuần sau →", "en": "Next week →"},
    "programme.week.this": {"vi": "Tuần này", "en": "This week"},
    "programme.week.range": {"vi": "Tuần từ {first} đến {last}", "en": "Week of {first} to {last}"},
    "programme.today": {"vi": "Hôm nay", "en": "Today"},
    "programme.wd.1": {"vi": "Thứ Hai", "en": "Monday"},
    "programme.wd.2": {"vi": "Thứ Ba", "en": "Tuesday"},
    "programme.wd.3": {"vi": "Thứ Tư", "en": "Wednesday"},
    "programme.wd.4": {"vi": "Thứ Năm", "en": "Thursday"},
    "programme.wd.5": {"vi": "Thứ Sáu", "en": "Friday"},
    "programme.wd.6": {"vi": "Thứ Bảy", "en": "Saturday"},
    "programme.wd.7": {"vi": "Chủ Nhật", "en": "Sunday"},
    "programme.wds.1": {"vi": "T2", "en": "Mon"},
    "programme.wds.2": {"vi": "T3", "en": "Tue"},
    "programme.wds.3": {"vi": "T4", "en": "Wed"},
    "programme.wds.4": {"vi": "T5", "en": "Thu"},
    "programme.wds.5": {"vi": "T6", "en": "Fri"},
    "programme.wds.6": {"vi": "T7", "en": "Sat"},
    "programme.wds.7": {"vi": "CN", "en": "Sun"},
    "programme.day.nothing": {"vi": "Không có khung giờ nào phát.", "en": "No slot runs this day."},
    "programme.why.weekday": {"vi": "không phát vào thứ này", "en": "not on this weekday"},
    "programme.why.skipped": {"vi": "ngày nghỉ", "en": "a day off"},
    "programme.why.before_first_day": {"vi": "chưa tới ngày bắt đầu", "en": "before its first day"},
    "programme.why.after_last_day": {"vi": "đã qua ngày kết thúc", "en": "after its last day"},
    "programme.why.deleted": {"vi": "khung giờ đã xóa", "en": "the slot was deleted"},
    "programme.not_running": {"vi": "Không phát: {why}", "en": "Does not run: {why}"},
    "programme.fill": {"vi": "Đã xếp {used} / {total} phút", "en": "{used} of {total} min used"},
    "programme.over": {"vi": "Quá {n} giây", "en": "{n} s over"},
    "programme.items.empty": {"vi": "Chưa có bản tin.", "en": "No bulletin yet."},
    "programme.items.label": {"vi": "Bản tin trong khung {slot}", "en": "Bulletins in slot {slot}"},
    "programme.item.length": {"vi": "dài {len}", "en": "{len} long"},
    "programme.item.number": {"vi": "Bản tin số {id}", "en": "Bulletin no. {id}"},
    "programme.item.up": {"vi": "▲ Lên", "en": "▲ Up"},
    "programme.item.down": {"vi": "▼ Xuống", "en": "▼ Down"},
    "programme.item.up.aria": {"vi": "Đưa “{title}” lên trước", "en": "Move “{title}” earlier"},
    "programme.item.down.aria": {"vi": "Đưa “{title}” xuống sau", "en": "Move “{title}” later"},
    "programme.item.drag": {
        "vi": "Đổi thứ tự bản tin: kéo thả, hoặc dùng nút “Lên” / “Xuống”.",
        "en": "To change the order: drag and drop, or use the “Up” / “Down” buttons.",
    },
    "programme.item.remove": {"vi": "Bỏ khỏi lịch", "en": "Remove"},
    "programme.item.remove.confirm": {
        "vi": "Bỏ “{title}” khỏi lịch phát?",
        "en": "Remove “{title}” from the schedule?",
    },
    "programme.item.remove.yes": {"vi": "Có, bỏ khỏi lịch", "en": "Yes, remove it"},
    "programme.state.sent": {"vi": "Đã gửi tới cụm loa", "en": "Sent to the speakers"},
    "programme.state.done": {"vi": "Đã phát", "en": "Played"},
    "programme.begun": {
        "vi": "Khung giờ đã bắt đầu: không đổi thứ tự được.",
        "en": "This slot has begun: the order is fixed.",
    },
    "programme.once": {"vi": "Phát một lần", "en": "Once"},
    "programme.inherited": {"vi": "Từ lịch phát của tỉnh", "en": "From the province's schedule"},
    "programme.from_above": {"vi": "Của tỉnh", "en": "From the province"},
    "programme.add_here": {"vi": "+ Xếp bản tin", "en": "+ Place a bulletin"},
    "programme.add_here.aria": {
        "vi": "Xếp bản tin vào khung {slot} ngày {day}",
        "en": "Place a bulletin in slot {slot} on {day}",
    },
    "programme.slot.new": {"vi": "+ Thêm khung giờ", "en": "+ Add a slot"},
    "programme.place.new": {"vi": "+ Xếp bản tin vào lịch", "en": "+ Place a bulletin"},
    "programme.time_note": {"vi": "Giờ Việt Nam (UTC+7).", "en": "Vietnam time (UTC+7)."},
    "programme.collision.title": {"vi": "Bản tin ưu tiên được chèn vào lịch", "en": "Priority bulletins inserted"},
    "programme.collision": {
        "vi": "Bản tin ưu tiên “{title}” được chèn vào khung “{slot}” ngày {day}, cùng với bản tin ưu tiên của "
        "địa phương “{own}”.",
        "en": "The priority bulletin “{title}” was inserted into slot “{slot}” on {day}, next to this area's own "
        "priority bulletin “{own}”.",
    },
    "programme.collision.reorder": {
        "vi": "Bạn quyết định thứ tự phát: kéo thả, hoặc dùng nút “Lên” / “Xuống” trên từng bản tin.",
        "en": "You decide the order: drag and drop, or use the “Up” / “Down” buttons on each bulletin.",
    },
    "programme.collision.see": {"vi": "Xem khung giờ", "en": "Show the slot"},
    # ------------------------------------------------------------ the slots list
    "programme.slots.title": {"vi": "Các khung giờ", "en": "Slots"},
    "programme.slots.empty": {
        "vi": "Chưa có khung giờ nào. Thường có một khung buổi sáng và một khung buổi chiều.",
        "en": "No slot yet. Usually there is a morning and an afternoon slot.",
    },
    "programme.col.label": {"vi": "Tên", "en": "Name"},
    "programme.col.time": {"vi": "Giờ phát", "en": "Time"},
    "programme.col.days": {"vi": "Ngày trong tuần", "en": "Weekdays"},
    "programme.col.range": {"vi": "Áp dụng", "en": "Applies"},
    "programme.col.skips": {"vi": "Ngày nghỉ", "en": "Days off"},
    "programme.col.actions": {"vi": "Thao tác", "en": "Actions"},
    "programme.every_day": {"vi": "Hằng ngày", "en": "Every day"},
    "programme.range.any": {"vi": "Luôn áp dụng", "en": "Always"},
    "programme.range.from": {"vi": "từ {d}", "en": "from {d}"},
    "programme.range.until": {"vi": "đến {d}", "en": "until {d}"},
    "programme.none": {"vi": "Không có", "en": "None"},
    "programme.edit": {"vi": "Sửa", "en": "Edit"},
    "programme.edit.aria": {"vi": "Sửa khung giờ {slot}", "en": "Edit slot {slot}"},
    # ------------------------------------------------------------ done messages
    "programme.done.slot_created": {"vi": "Đã thêm khung giờ.", "en": "The slot was added."},
    "programme.done.slot_saved": {"vi": "Đã lưu khung giờ.", "en": "The slot was saved."},
    "programme.done.slot_deleted": {"vi": "Đã xóa khung giờ.", "en": "The slot was deleted."},
    "programme.done.placed": {"vi": "Đã xếp bản tin vào lịch phát.", "en": "The bulletin was placed."},
    "programme.done.moved": {"vi": "Đã đổi thứ tự. Giờ phát đã được tính lại.", "en": "Order changed; times updated."},
    "programme.done.removed": {"vi": "Đã bỏ bản tin khỏi lịch phát.", "en": "The bulletin was removed."},
    # ------------------------------------------------------------ refusals
    "programme.not_found.title": {"vi": "Không tìm thấy", "en": "Not found"},
    "programme.forbidden.title": {"vi": "Không có quyền", "en": "Not allowed"},
    "programme.refused.title": {"vi": "Không thực hiện được", "en": "Not possible"},
    "programme.not_found": {
        "vi": "Không tìm thấy lịch phát này trong các địa bàn bạn phụ trách.",
        "en": "No such schedule in your areas.",
    },
    "programme.not_found.slot": {"vi": "Không tìm thấy khung giờ này.", "en": "No such slot."},
    "programme.not_found.item": {"vi": "Không tìm thấy mục này trong lịch phát.", "en": "No such item."},
    "programme.not_found.bulletin": {
        "vi": "Không tìm thấy bản tin này trong các địa bàn bạn phụ trách.",
        "en": "No such bulletin in your areas.",
    },
    "programme.forbidden": {
        "vi": "Bạn chỉ được xem lịch phát này, không được thay đổi.",
        "en": "You may view this schedule but not change it.",
    },
    "programme.merged": {
        "vi": "Xã, phường này đã sáp nhập vào đơn vị khác. Hãy dùng lịch phát của đơn vị mới.",
        "en": "This commune was merged into another; use that one's schedule.",
    },
    "programme.err.bad_day": {
        "vi": "Ngày trong địa chỉ không hợp lệ; đang hiển thị tuần này.",
        "en": "The date in the address is not valid; showing this week.",
    },
    "programme.err.begun": {
        "vi": "Khung giờ “{slot}” ngày {day} đã bắt đầu phát, không đổi thứ tự được nữa.",
        "en": "Slot “{slot}” on {day} has begun; its order can no longer change.",
    },
    "programme.err.played": {
        "vi": "Bản tin này đã phát xong, không bỏ khỏi lịch được nữa.",
        "en": "This item has already played and cannot be removed.",
    },
    "programme.err.slot_busy": {
        "vi": "Khung giờ “{slot}” còn bản tin chờ phát vào ngày {days}. Hãy bỏ các bản tin đó ra trước.",
        "en": "Slot “{slot}” still has bulletins to play on {days}. Remove them first.",
    },
    "programme.err.slot_deleted": {"vi": "Khung giờ này đã bị xóa.", "en": "This slot was deleted."},
    "programme.err.generic": {"vi": "Không thực hiện được: {message}", "en": "Not possible: {message}"},
    # ------------------------------------------------------------ slot form
    "programme.slot.new.title": {"vi": "Thêm khung giờ phát", "en": "Add a broadcast slot"},
    "programme.slot.edit.title": {"vi": "Sửa khung giờ “{slot}”", "en": "Edit slot “{slot}”"},
    "programme.slot.intro": {
        "vi": "Khung giờ lặp lại hằng tuần vào các ngày bạn chọn. Giờ theo giờ Việt Nam.",
        "en": "A slot repeats every week on the days you choose. Times are Vietnam time.",
    },
    "programme.f.errors": {"vi": "Vui lòng sửa các mục được đánh dấu bên dưới.", "en": "Please fix the marked fields."},
    "programme.f.label": {"vi": "Tên khung giờ", "en": "Slot name"},
    "programme.f.label.hint": {"vi": "Ví dụ: Buổi sáng, Buổi chiều.", "en": "For example: Morning, Afternoon."},
    "programme.f.start": {"vi": "Giờ bắt đầu", "en": "Start time"},
    "programme.f.start.hint": {"vi": "Giờ:phút, ví dụ 06:00.", "en": "Hours:minutes, e.g. 06:00."},
    "programme.f.length": {"vi": "Độ dài (phút)", "en": "Length (minutes)"},
    "programme.f.length.hint": {"vi": "Từ 1 đến 360 phút.", "en": "From 1 to 360 minutes."},
    "programme.f.weekdays": {"vi": "Các ngày phát trong tuần", "en": "Days of the week"},
    "programme.f.range": {"vi": "Thời gian áp dụng (không bắt buộc)", "en": "Dates it applies (optional)"},
    "programme.f.first_day": {"vi": "Từ ngày", "en": "From"},
    "programme.f.last_day": {"vi": "Đến ngày", "en": "Until"},
    "programme.f.skips": {"vi": "Ngày nghỉ, không phát", "en": "Days off (no broadcast)"},
    "programme.f.skips.hint": {
        "vi": "Ghi các ngày cách nhau bằng dấu phẩy, ví dụ: 30/04/2026, 01/05/2026.",
        "en": "Dates separated by commas, e.g. 30/04/2026, 01/05/2026.",
    },
    "programme.f.save": {"vi": "Lưu khung giờ", "en": "Save the slot"},
    "programme.f.delete.title": {"vi": "Xóa khung giờ", "en": "Delete the slot"},
    "programme.f.delete.hint": {
        "vi": "Chỉ xóa được khi không còn bản tin chờ phát trong khung. Các lần đã phát vẫn được lưu lại.",
        "en": "Only possible when no bulletin is left to play in it. Past broadcasts stay in the history.",
    },
    "programme.f.delete": {"vi": "Xóa khung giờ này", "en": "Delete this slot"},
    "programme.f.delete.yes": {"vi": "Có, xóa khung giờ", "en": "Yes, delete it"},
    "programme.err.label": {
        "vi": "Vui lòng đặt tên khung giờ (1 đến 100 ký tự).",
        "en": "Give the slot a name of 1 to 100 characters.",
    },
    "programme.err.start": {
        "vi": "Vui lòng nhập giờ bắt đầu dạng giờ:phút, ví dụ 06:00.",
        "en": "Enter the start time as hours:minutes, e.g. 06:00.",
    },
    "programme.err.start_clash": {
        "vi": "Trùng giờ với khung “{slot}” ({time}) vào cùng ngày. Vui lòng chọn giờ khác.",
        "en": "Overlaps slot “{slot}” ({time}) on a same day. Choose another time.",
    },
    "programme.err.length": {"vi": "Độ dài phải từ 1 đến 360 phút.", "en": "The length must be 1 to 360 minutes."},
    "programme.err.length_over": {
        "vi": "Ngày {day} đã xếp nhiều bản tin hơn độ dài mới (quá {n} giây). Hãy bỏ bớt bản tin trước.",
        "en": "On {day} the placed bulletins would not fit ({n} s over). Remove some first.",
    },
    "programme.err.weekdays": {
        "vi": "Vui lòng chọn ít nhất một ngày trong tuần.",
        "en": "Choose at least one day of the week.",
    },
    "programme.err.date": {
        "vi": "Ngày không hợp lệ. Vui lòng chọn lại.",
        "en": "Not a valid date. Please choose again.",
    },
    "programme.err.last_before_first": {
        "vi": "Ngày kết thúc phải sau ngày bắt đầu.",
        "en": "The last day must come after the first day.",
    },
    "programme.err.skip": {
        "vi": "Không đọc được ngày “{value}”. Ghi theo dạng ngày/tháng/năm, ví dụ 30/04/2026.",
        "en": "Cannot read the date “{value}”. Write it as day/month/year, e.g. 30/04/2026.",
    },
    "programme.err.items_on_day": {
        "vi": "Đã có {n} bản tin xếp vào ngày {day}. Hãy chuyển hoặc bỏ chúng trước khi đổi.",
        "en": "{n} bulletin(s) are placed on {day}. Move or remove them first.",
    },
    # ------------------------------------------------------------ placing a bulletin
    "programme.place.title": {"vi": "Xếp bản tin vào lịch phát", "en": "Place a bulletin in the schedule"},
    "programme.place.intro": {
        "vi": "Chọn bản tin, chọn khung giờ và ngày (hoặc một giờ cố định), bấm “Kiểm tra” để xem có vấn đề gì "
        "không, rồi bấm “Xếp vào lịch”.",
        "en": "Choose a bulletin, then a slot and a day (or a fixed time), press “Check” to see any problem, "
        "then “Place it”.",
    },
    "programme.place.bulletin": {"vi": "Bản tin đã duyệt", "en": "Approved bulletin"},
    "programme.place.bulletin.hint": {
        "vi": "Chỉ hiện bản tin đã được duyệt, đã có âm thanh và gửi tới địa bàn này.",
        "en": "Only approved bulletins with audio that reach this area are listed.",
    },
    "programme.place.none": {
        "vi": "Chưa có bản tin đã duyệt có âm thanh cho địa bàn này. Hãy viết bản tin và gửi lãnh đạo duyệt ở "
        "trang Bản tin.",
        "en": "No approved bulletin with audio for this area yet. Write one and submit it on the Bulletins page.",
    },
    "programme.place.valid_until": {"vi": "hiệu lực đến {at}", "en": "valid until {at}"},
    "programme.place.valid_from": {"vi": "hiệu lực từ {at}", "en": "valid from {at}"},
    "programme.place.when": {"vi": "Phát vào lúc nào", "en": "When it plays"},
    "programme.place.in_slot": {"vi": "Trong một khung giờ", "en": "In a slot"},
    "programme.place.once": {"vi": "Một lần, vào giờ cố định", "en": "Once, at a fixed time"},
    "programme.place.slot": {"vi": "Khung giờ", "en": "Slot"},
    "programme.place.slot.choose": {"vi": "— Chọn khung giờ —", "en": "— Choose a slot —"},
    "programme.place.day": {"vi": "Ngày phát", "en": "Day"},
    "programme.place.time": {"vi": "Giờ phát", "en": "Time"},
    "programme.place.check": {"vi": "Kiểm tra", "en": "Check"},
    "programme.place.save": {"vi": "Xếp vào lịch", "en": "Place it"},
    "programme.place.ok": {
        "vi": "Không có vấn đề gì. Bản tin sẽ phát lúc {start} ngày {day}. Bấm “Xếp vào lịch” để lưu.",
        "en": "No problem found. It will play at {start} on {day}. Press “Place it” to save.",
    },
    "programme.place.problems": {"vi": "Chưa xếp được vào lịch vì:", "en": "It cannot be placed because:"},
    "programme.place.nothing_saved": {
        "vi": "Chưa lưu gì. Hãy chọn lại rồi bấm “Kiểm tra”.",
        "en": "Nothing was saved. Change your choice and check again.",
    },
    "programme.place.no_slots": {
        "vi": "Địa bàn chưa có khung giờ nào: hãy thêm khung giờ, hoặc chọn phát một lần vào giờ cố định.",
        "en": "This area has no slot yet: add one, or play the bulletin once at a fixed time.",
    },
    "programme.err.pick_bulletin": {"vi": "Vui lòng chọn một bản tin.", "en": "Choose a bulletin."},
    "programme.err.pick_slot": {"vi": "Vui lòng chọn khung giờ.", "en": "Choose a slot."},
    "programme.err.pick_day": {"vi": "Vui lòng chọn ngày phát.", "en": "Choose the day."},
    "programme.err.pick_time": {"vi": "Vui lòng nhập giờ phát, ví dụ 07:30.", "en": "Enter the time, e.g. 07:30."},
    "programme.p.not_approved": {
        "vi": "Bản tin chưa được duyệt (đang ở trạng thái “{state}”). Chỉ bản tin đã duyệt mới xếp được vào lịch.",
        "en": "The bulletin is not approved (it is “{state}”). Only approved bulletins can be placed.",
    },
    "programme.p.emergency": {
        "vi": "Bản tin khẩn cấp được phát ngay, không xếp vào lịch phát.",
        "en": "An emergency bulletin is sent at once, not placed in the schedule.",
    },
    "programme.p.no_audio": {
        "vi": "Bản tin chưa có âm thanh nên chưa biết dài bao lâu. Hãy thêm bản ghi âm, tệp âm thanh hoặc giọng "
        "đọc tự động trước.",
        "en": "The bulletin has no audio yet, so its length is unknown. Add a recording, a file or speech first.",
    },
    "programme.p.outside_area": {
        "vi": "Bản tin không gửi tới địa bàn này.",
        "en": "The bulletin does not reach this area.",
    },
    "programme.p.target_too_wide": {
        "vi": "Bản tin gửi tới {devices} cụm loa ở nhiều địa bàn. Hãy xếp vào lịch phát của từng xã, phường.",
        "en": "It reaches {devices} devices in several areas. Place it in each commune's schedule.",
    },
    "programme.p.no_slot": {
        "vi": "Khung giờ “{slot}” không phát vào ngày {day} ({why}).",
        "en": "Slot “{slot}” does not run on {day} ({why}).",
    },
    "programme.p.already_placed": {
        "vi": "Bản tin này đã có trong khung giờ ngày hôm đó.",
        "en": "This bulletin is already in that slot on that day.",
    },
    "programme.p.past": {
        "vi": "Bản tin sẽ bắt đầu lúc {start}, thời điểm này đã qua.",
        "en": "It would start at {start}, which is already past.",
    },
    "programme.p.overfilled": {
        "vi": "Khung giờ “{slot}” ngày {day} sẽ bị quá {n} giây (khung dài {length} phút). Hãy chọn khung khác hoặc "
        "bỏ bớt bản tin.",
        "en": "Slot “{slot}” on {day} would be {n} s over its {length} minutes. Choose another slot or remove "
        "something.",
    },
    "programme.p.before_validity": {
        "vi": "“{title}” chỉ có hiệu lực từ {at}; xếp ở đây sẽ phát sớm hơn.",
        "en": "“{title}” is valid from {at}; here it would play earlier.",
    },
    "programme.p.after_validity": {
        "vi": "“{title}” chỉ có hiệu lực đến {at}; xếp ở đây sẽ phát quá hạn.",
        "en": "“{title}” is valid until {at}; here it would play after that.",
    },
    "programme.p.overlap": {
        "vi": "Sẽ trùng giờ với “{title}” ({start}–{end}) trên cùng các cụm loa.",
        "en": "It would overlap “{title}” ({start}–{end}) on the same speakers.",
    },
    # ------------------------------------------------------------ for the page's script
    "programme.js.moved": {"vi": "Đã đổi thứ tự. Giờ phát đã được tính lại.", "en": "Order changed; times updated."},
    "programme.js.begun": {
        "vi": "Khung giờ này đã bắt đầu phát, không đổi thứ tự được nữa.",
        "en": "This slot has begun; its order can no longer change.",
    },
    "programme.js.refused": {"vi": "Không đổi được thứ tự vì:", "en": "The order cannot change because:"},
    "programme.js.failed": {
        "vi": "Không lưu được thứ tự mới. Vui lòng tải lại trang rồi thử lại.",
        "en": "The new order was not saved. Please reload the page and try again.",
    },
    "programme.js.overlap": {
        "vi": "một bản tin sẽ trùng giờ với bản tin khác trên cùng các cụm loa",
        "en": "a bulletin would overlap another one on the same speakers",
    },
    "programme.js.validity": {
        "vi": "một bản tin sẽ phát ngoài thời hạn hiệu lực",
        "en": "a bulletin would play outside its validity",
    },
}
