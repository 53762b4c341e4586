"""UI strings of the bulletin pages: list, approval queue, form, bulletin page, diff (Vietnamese first, then English)."""

from source_server.web.strings.bulletin_audio import MESSAGES as _AUDIO_MESSAGES

MESSAGES: dict[str, dict[str, str]] = {
    "bulletin.nav": {"vi": "Bản tin", "en": "Bulletins"},
    # ------------------------------------------------------------ states, priorities, actions
    "bulletin.state.draft": {"vi": "Bản nháp", "en": "Draft"},
    "bulletin.state.submitted": {"vi": "Chờ duyệt", "en": "Waiting for approval"},
    "bulletin.state.approved": {"vi": "Đã duyệt", "en": "Approved"},
    "bulletin.state.rejected": {"vi": "Bị trả lại", "en": "Sent back"},
    "bulletin.state.scheduled": {"vi": "Đã lên lịch", "en": "Scheduled"},
    "bulletin.state.on_air": {"vi": "Đang phát", "en": "On air"},
    "bulletin.state.done": {"vi": "Đã phát xong", "en": "Broadcast finished"},
    "bulletin.state.cancelled": {"vi": "Đã hủy", "en": "Cancelled"},
    "bulletin.priority.normal": {"vi": "Thông thường", "en": "Normal"},
    "bulletin.priority.priority": {"vi": "Ưu tiên", "en": "Priority"},
    "bulletin.priority.emergency": {"vi": "Khẩn cấp", "en": "Emergency"},
    "bulletin.priority.normal.help": {
        "vi": "Cán bộ đài xã chọn giờ phát trong lịch phát hằng ngày của xã.",
        "en": "The commune operator chooses when it plays, within the commune's daily schedule.",
    },
    "bulletin.priority.priority.help": {
        "vi": "Được chèn vào chương trình phát gần nhất; nếu trùng mục ưu tiên của xã, cán bộ xã quyết định thứ tự.",
        "en": "Inserted into the next programme; if it collides with the commune's own priority item, "
        "the commune operator decides the order.",
    },
    "bulletin.priority.emergency.help": {
        "vi": "Phát ngay lập tức (thiên tai, hỏa hoạn, dịch bệnh), ngắt mọi nội dung đang phát.",
        "en": "Played immediately (disaster, fire, epidemic), interrupting anything else.",
    },
    "bulletin.origin.central": {"vi": "cấp Trung ương", "en": "central level"},
    "bulletin.origin.province": {"vi": "cấp tỉnh", "en": "province level"},
    "bulletin.origin.commune": {"vi": "cấp xã", "en": "commune level"},
    "bulletin.target_type.province": {"vi": "Toàn tỉnh", "en": "Whole province"},
    "bulletin.target_type.commune": {"vi": "Xã, phường", "en": "Communes"},
    "bulletin.target_type.village": {"vi": "Thôn, tổ dân phố", "en": "Villages"},
    "bulletin.target_type.group": {"vi": "Nhóm thiết bị", "en": "Device groups"},
    "bulletin.target_type.devices": {"vi": "Thiết bị cụ thể", "en": "Single devices"},
    "bulletin.act.create": {"vi": "Tạo bản tin", "en": "Created"},
    "bulletin.act.edit": {"vi": "Sửa nội dung", "en": "Edited"},
    "bulletin.act.submit": {"vi": "Gửi duyệt", "en": "Submitted for approval"},
    "bulletin.act.approve": {"vi": "Duyệt", "en": "Approved"},
    "bulletin.act.reject": {"vi": "Trả lại", "en": "Sent back"},
    "bulletin.act.send_direct": {"vi": "Phát khẩn cấp ngay (không qua duyệt)", "en": "Emergency sent directly"},
    "bulletin.act.schedule": {"vi": "Lên lịch phát", "en": "Scheduled"},
    "bulletin.act.go_on_air": {"vi": "Bắt đầu phát", "en": "Went on air"},
    "bulletin.act.finish": {"vi": "Phát xong", "en": "Finished"},
    "bulletin.act.cancel": {"vi": "Hủy", "en": "Cancelled"},
    "bulletin.verb.edit": {"vi": "sửa", "en": "edit it"},
    "bulletin.verb.submit": {"vi": "gửi duyệt", "en": "submit it"},
    "bulletin.verb.approve": {"vi": "duyệt", "en": "approve it"},
    "bulletin.verb.reject": {"vi": "trả lại", "en": "send it back"},
    "bulletin.verb.send_direct": {"vi": "phát khẩn cấp", "en": "send it as an emergency"},
    "bulletin.verb.cancel": {"vi": "hủy", "en": "cancel it"},
    # ------------------------------------------------------------ list and queue
    "bulletin.list.title": {"vi": "Bản tin", "en": "Bulletins"},
    "bulletin.list.intro": {
        "vi": "Các bản tin của địa bàn bạn phụ trách, mới cập nhật ở trên.",
        "en": "Bulletins of your areas, most recently changed first.",
    },
    "bulletin.new": {"vi": "Viết bản tin mới", "en": "Write a new bulletin"},
    "bulletin.tabs": {"vi": "Xem bản tin", "en": "Bulletin views"},
    "bulletin.tab.all": {"vi": "Tất cả bản tin", "en": "All bulletins"},
    "bulletin.tab.queue": {"vi": "Chờ tôi duyệt ({n})", "en": "Waiting for my approval ({n})"},
    "bulletin.queue.intro": {
        "vi": "Các bản tin đang chờ bạn duyệt, gửi sớm nhất ở trên. Bấm vào tiêu đề để đọc, rồi duyệt hoặc trả lại.",
        "en": "Bulletins waiting for your approval, earliest first. Open one to read it, then approve or send it back.",
    },
    "bulletin.queue.empty": {
        "vi": "Không có bản tin nào chờ bạn duyệt.",
        "en": "Nothing is waiting for your approval.",
    },
    "bulletin.filter.state": {"vi": "Trạng thái", "en": "State"},
    "bulletin.filter.area": {"vi": "Địa bàn", "en": "Area"},
    "bulletin.filter.all": {"vi": "Tất cả", "en": "All"},
    "bulletin.filter.apply": {"vi": "Lọc", "en": "Filter"},
    "bulletin.filter.clear": {"vi": "Bỏ lọc", "en": "Clear filters"},
    "bulletin.found": {
        "vi": "Tìm thấy {total} bản tin, đang hiển thị {first}–{last}.",
        "en": "{total} bulletins found, showing {first}–{last}.",
    },
    "bulletin.empty": {"vi": "Chưa có bản tin nào.", "en": "No bulletins yet."},
    "bulletin.empty.filtered": {
        "vi": "Không có bản tin nào khớp bộ lọc. Hãy thử bỏ bớt điều kiện lọc.",
        "en": "No bulletin matches these filters. Try removing some of them.",
    },
    "bulletin.pages": {"vi": "Các trang", "en": "Pages"},
    "bulletin.page.of": {"vi": "Trang {page} / {pages}", "en": "Page {page} of {pages}"},
    "bulletin.col.title": {"vi": "Tiêu đề", "en": "Title"},
    "bulletin.col.area": {"vi": "Địa bàn", "en": "Area"},
    "bulletin.col.category": {"vi": "Lĩnh vực", "en": "Category"},
    "bulletin.col.priority": {"vi": "Mức ưu tiên", "en": "Priority"},
    "bulletin.col.state": {"vi": "Trạng thái", "en": "State"},
    "bulletin.col.updated": {"vi": "Cập nhật lúc", "en": "Last change"},
    "bulletin.col.author": {"vi": "Người viết", "en": "Author"},
    "bulletin.time_note": {"vi": "Thời gian theo giờ Việt Nam (GMT+7).", "en": "Times are Vietnam time (GMT+7)."},
    "bulletin.err.filter_state": {
        "vi": "Trạng thái cần lọc không đúng, đang hiển thị mọi trạng thái.",
        "en": "Unknown state filter; showing every state.",
    },
    "bulletin.err.page": {
        "vi": "Số trang không đúng, đang hiển thị trang đầu.",
        "en": "Invalid page number; showing the first page.",
    },
    # ------------------------------------------------------------ the form
    "bulletin.form.new": {"vi": "Viết bản tin mới", "en": "Write a new bulletin"},
    "bulletin.form.edit": {"vi": "Sửa bản tin", "en": "Edit the bulletin"},
    "bulletin.form.intro": {
        "vi": "Điền các mục dưới đây; mục có dấu * là bắt buộc. Bản tin được lưu thành bản nháp, "
        "bạn vẫn sửa được trước khi gửi lãnh đạo duyệt.",
        "en": "Fill in the fields below; those marked * are required. The bulletin is saved as a draft "
        "that you can still change before sending it for approval.",
    },
    "bulletin.form.errors": {
        "vi": "Bản tin chưa được lưu. Vui lòng sửa mục được đánh dấu bên dưới.",
        "en": "The bulletin was not saved. Please correct the marked field below.",
    },
    "bulletin.field.title": {"vi": "Tiêu đề", "en": "Title"},
    "bulletin.field.title.hint": {
        "vi": "Ngắn gọn, ví dụ: Thông báo lịch tiêm chủng tháng 3.",
        "en": "Short, e.g. Vaccination schedule for March.",
    },
    "bulletin.field.category": {"vi": "Lĩnh vực", "en": "Category"},
    "bulletin.field.category.choose": {"vi": "— Chọn lĩnh vực —", "en": "— Choose a category —"},
    "bulletin.field.priority": {"vi": "Mức ưu tiên", "en": "Priority"},
    "bulletin.field.owner": {"vi": "Đơn vị phát hành", "en": "Issued by"},
    "bulletin.field.owner.choose": {"vi": "— Chọn đơn vị —", "en": "— Choose —"},
    "bulletin.field.owner.hint": {
        "vi": "Lãnh đạo của đơn vị này sẽ duyệt bản tin.",
        "en": "The leader of this area approves the bulletin.",
    },
    "bulletin.field.target": {"vi": "Nơi phát", "en": "Where it plays"},
    "bulletin.target.whole.commune": {"vi": "Toàn xã, phường (mọi cụm loa)", "en": "The whole commune (every cluster)"},
    "bulletin.target.whole.province": {"vi": "Toàn tỉnh (mọi cụm loa)", "en": "The whole province (every cluster)"},
    "bulletin.target.part.commune": {"vi": "Chỉ một số thôn, tổ dân phố", "en": "Only some villages"},
    "bulletin.target.part.province": {"vi": "Chỉ một số xã, phường", "en": "Only some communes"},
    "bulletin.target.keep": {"vi": "Giữ nguyên nơi phát hiện tại: {target}", "en": "Keep the current target: {target}"},
    "bulletin.target.pick": {"vi": "Chọn nơi phát của {name}:", "en": "Choose the places in {name}:"},
    "bulletin.target.none": {
        "vi": "Địa bàn này chưa có danh sách thôn, tổ dân phố.",
        "en": "This area has no villages on record.",
    },
    "bulletin.field.validity": {"vi": "Thời gian hiệu lực (giờ Việt Nam)", "en": "Validity (Vietnam time)"},
    "bulletin.field.valid_from": {"vi": "Từ", "en": "From"},
    "bulletin.field.valid_until": {"vi": "Đến", "en": "Until"},
    "bulletin.field.validity.hint": {
        "vi": "Để trống nếu bản tin không có thời hạn. Ngoài khoảng thời gian này bản tin sẽ không được phát.",
        "en": "Leave empty when the bulletin has no time limit. It is not played outside this window.",
    },
    "bulletin.field.text": {"vi": "Nội dung", "en": "Text"},
    "bulletin.field.text.hint": {
        "vi": "Gõ hoặc dán văn bản cần phát. Nên viết câu ngắn, rõ ràng.",
        "en": "Type or paste the text to broadcast. Short, clear sentences work best.",
    },
    "bulletin.count": {"vi": "{n} / {max} ký tự", "en": "{n} / {max} characters"},
    "bulletin.count.minutes": {"vi": " · khoảng {minutes} phút đọc", "en": " · about {minutes} min of speech"},
    "bulletin.form.save": {"vi": "Lưu bản nháp", "en": "Save draft"},
    "bulletin.form.save_submit": {"vi": "Lưu và gửi duyệt", "en": "Save and send for approval"},
    "bulletin.form.save_changes": {"vi": "Lưu thay đổi", "en": "Save changes"},
    "bulletin.form.save_resubmit": {"vi": "Lưu và gửi lại để duyệt", "en": "Save and send back for approval"},
    "bulletin.form.resubmit_note": {
        "vi": "Bản tin này đã được duyệt. Khi lưu thay đổi, bản tin sẽ quay lại chờ lãnh đạo duyệt lại; "
        "lãnh đạo sẽ thấy rõ những chỗ bạn đã sửa.",
        "en": "This bulletin was approved. Saving changes sends it back for approval; "
        "the approver sees exactly what you changed.",
    },
    "bulletin.form.back": {"vi": "Quay lại, không lưu", "en": "Go back without saving"},
    # ------------------------------------------------------------ the bulletin page
    "bulletin.back": {"vi": "Danh sách bản tin", "en": "Bulletin list"},
    "bulletin.number": {"vi": "Bản tin số {id}", "en": "Bulletin no. {id}"},
    "bulletin.version_n": {"vi": "Phiên bản {n}", "en": "Version {n}"},
    "bulletin.steps": {"vi": "Các bước của bản tin", "en": "Steps of the bulletin"},
    "bulletin.step.passed": {"vi": "(đã qua)", "en": "(done)"},
    "bulletin.step.current": {"vi": "(bước hiện tại)", "en": "(current step)"},
    "bulletin.cancelled_note": {
        "vi": "Bản tin đã bị hủy và sẽ không được phát.",
        "en": "This bulletin was cancelled and will not be broadcast.",
    },
    "bulletin.rejected_note": {
        "vi": "{who} đã trả lại bản tin lúc {at}. Lý do:",
        "en": "{who} sent this bulletin back at {at}. Reason:",
    },
    "bulletin.fact.category": {"vi": "Lĩnh vực", "en": "Category"},
    "bulletin.fact.priority": {"vi": "Mức ưu tiên", "en": "Priority"},
    "bulletin.fact.owner": {"vi": "Đơn vị phát hành", "en": "Issued by"},
    "bulletin.fact.origin": {"vi": "Cấp", "en": "Level"},
    "bulletin.fact.target": {"vi": "Nơi phát", "en": "Plays in"},
    "bulletin.fact.validity": {"vi": "Hiệu lực", "en": "Valid"},
    "bulletin.fact.author": {"vi": "Người viết", "en": "Author"},
    "bulletin.fact.updated": {"vi": "Sửa lần cuối", "en": "Last changed"},
    "bulletin.fact.audio": {"vi": "Âm thanh", "en": "Audio"},
    "bulletin.validity.none": {"vi": "Không giới hạn", "en": "No limit"},
    "bulletin.validity.from": {"vi": "từ {at}", "en": "from {at}"},
    "bulletin.validity.until": {"vi": "đến {at}", "en": "until {at}"},
    "bulletin.audio.none": {"vi": "Chưa có (sẽ đọc từ văn bản)", "en": "None yet (read from the text)"},
    "bulletin.audio.file": {"vi": "Tệp {hash}…", "en": "File {hash}…"},
    "bulletin.content": {"vi": "Nội dung", "en": "Text"},
    "bulletin.text.empty": {"vi": "(Chưa có nội dung)", "en": "(No text yet)"},
    "bulletin.actions": {"vi": "Việc bạn có thể làm", "en": "What you can do"},
    "bulletin.actions.none": {
        "vi": "Bạn chỉ xem được bản tin này ở trạng thái hiện tại.",
        "en": "You can only read this bulletin in its current state.",
    },
    "bulletin.do.edit": {"vi": "Sửa bản tin", "en": "Edit the bulletin"},
    "bulletin.do.submit": {"vi": "Gửi lãnh đạo duyệt", "en": "Send for approval"},
    "bulletin.do.submit.hint": {
        "vi": "Lãnh đạo sẽ thấy bản tin trong mục “Chờ tôi duyệt”.",
        "en": "The approver will find it under “Waiting for my approval”.",
    },
    "bulletin.do.submit.need_text": {
        "vi": "Bản tin chưa có nội dung nên chưa gửi duyệt được. Bấm “Sửa bản tin” để thêm nội dung.",
        "en": "The bulletin has no text yet, so it cannot be sent for approval. Edit it to add the text.",
    },
    "bulletin.do.approve": {"vi": "Duyệt bản tin (phiên bản {n})", "en": "Approve (version {n})"},
    "bulletin.do.approve.hint": {
        "vi": "Bạn duyệt đúng nội dung đang hiển thị trên trang này.",
        "en": "You approve exactly the content shown on this page.",
    },
    "bulletin.do.reject": {"vi": "Trả lại", "en": "Send back"},
    "bulletin.do.reject.reason": {"vi": "Lý do trả lại (bắt buộc)", "en": "Why (required)"},
    "bulletin.do.reject.hint": {
        "vi": "Ghi rõ cần sửa gì để người viết biết.",
        "en": "Say what must change so the writer knows.",
    },
    "bulletin.do.reject.confirm": {"vi": "Trả lại kèm lý do", "en": "Send back with this reason"},
    "bulletin.do.cancel": {"vi": "Hủy bản tin", "en": "Cancel the bulletin"},
    "bulletin.do.cancel.warn": {
        "vi": "Bản tin bị hủy sẽ không được phát và không thể khôi phục. Bạn có chắc chắn muốn hủy?",
        "en": "A cancelled bulletin is never broadcast and cannot be restored. Are you sure?",
    },
    "bulletin.do.cancel.reason": {"vi": "Lý do hủy (không bắt buộc)", "en": "Reason (optional)"},
    "bulletin.do.cancel.confirm": {"vi": "Đồng ý hủy bản tin", "en": "Yes, cancel it"},
    "bulletin.do.emergency": {"vi": "Phát khẩn cấp ngay", "en": "Send as an emergency now"},
    "bulletin.do.emergency.warn": {
        "vi": "Bản tin sẽ được duyệt ngay, không qua bước duyệt thông thường, để phát khẩn cấp trên mọi cụm loa "
        "của nơi phát, ngắt nội dung đang phát. Việc này được ghi vào nhật ký với tên của bạn.",
        "en": "The bulletin is approved at once, without the usual approval, to play as an emergency on every "
        "cluster of its target, interrupting what plays. This is logged under your name.",
    },
    "bulletin.do.emergency.reason": {"vi": "Ghi chú (không bắt buộc)", "en": "Note (optional)"},
    "bulletin.do.emergency.confirm": {"vi": "Xác nhận phát khẩn cấp", "en": "Confirm the emergency broadcast"},
    "bulletin.done.created": {
        "vi": "Đã lưu bản nháp. Khi nội dung đã xong, hãy bấm “Gửi lãnh đạo duyệt”.",
        "en": "Draft saved. When the content is ready, choose “Send for approval”.",
    },
    "bulletin.done.saved": {"vi": "Đã lưu thay đổi.", "en": "Changes saved."},
    "bulletin.done.submit": {"vi": "Đã gửi bản tin cho lãnh đạo duyệt.", "en": "Sent for approval."},
    "bulletin.done.approve": {"vi": "Đã duyệt bản tin.", "en": "The bulletin is approved."},
    "bulletin.done.reject": {
        "vi": "Đã trả lại bản tin cho người viết kèm lý do.",
        "en": "Sent back to the writer with your reason.",
    },
    "bulletin.done.cancel": {"vi": "Đã hủy bản tin.", "en": "The bulletin is cancelled."},
    "bulletin.done.send_direct": {
        "vi": "Đã duyệt phát khẩn cấp. Việc này đã được ghi vào nhật ký.",
        "en": "Approved for emergency broadcast. This has been logged.",
    },
    "bulletin.queue.back": {"vi": "Về danh sách chờ duyệt", "en": "Back to the approval queue"},
    "bulletin.history": {"vi": "Lịch sử xử lý", "en": "History"},
    "bulletin.history.at": {"vi": "Thời gian", "en": "Time"},
    "bulletin.history.who": {"vi": "Người thực hiện", "en": "By"},
    "bulletin.history.what": {"vi": "Việc", "en": "Step"},
    "bulletin.history.state": {"vi": "Trạng thái sau đó", "en": "State after"},
    "bulletin.history.reason": {"vi": "Lý do, ghi chú", "en": "Reason, note"},
    "bulletin.versions": {"vi": "Các phiên bản", "en": "Versions"},
    "bulletin.version.by": {"vi": "{who}, lúc {at}", "en": "{who}, {at}"},
    "bulletin.version.current": {"vi": "đang dùng", "en": "current"},
    "bulletin.version.approved": {"vi": "đã được duyệt", "en": "approved"},
    "bulletin.version.compare": {"vi": "Xem chỗ sửa so với phiên bản trước", "en": "See changes from the previous one"},
    "bulletin.version.show": {"vi": "Xem nội dung", "en": "Show content"},
    # ------------------------------------------------------------ diff
    "bulletin.diff.title": {"vi": "Những chỗ đã thay đổi", "en": "What changed"},
    "bulletin.diff.since_approved": {
        "vi": "So với phiên bản {base} đã được duyệt, phiên bản {head} có các thay đổi dưới đây. "
        "Vui lòng đọc kỹ trước khi duyệt lại.",
        "en": "Compared with approved version {base}, version {head} has the changes below. "
        "Please read them before approving again.",
    },
    "bulletin.diff.since_rejected": {
        "vi": "So với phiên bản {base} đã bị trả lại, phiên bản {head} có các thay đổi dưới đây.",
        "en": "Compared with version {base}, which was sent back, version {head} has the changes below.",
    },
    "bulletin.diff.between": {
        "vi": "Thay đổi từ phiên bản {base} sang phiên bản {head}.",
        "en": "Changes from version {base} to version {head}.",
    },
    "bulletin.diff.none": {"vi": "Không có thay đổi nào về nội dung.", "en": "No change in the content."},
    "bulletin.diff.legend": {
        "vi": "Chữ gạch ngang trên nền đỏ là phần đã xóa; chữ gạch chân trên nền xanh là phần đã thêm.",
        "en": "Struck-through text on red was removed; underlined text on green was added.",
    },
    "bulletin.diff.field": {"vi": "Mục", "en": "Field"},
    "bulletin.diff.before": {"vi": "Trước", "en": "Before"},
    "bulletin.diff.after": {"vi": "Sau", "en": "After"},
    "bulletin.diff.deleted": {"vi": "đã xóa:", "en": "deleted:"},
    "bulletin.diff.inserted": {"vi": "đã thêm:", "en": "inserted:"},
    "bulletin.diff.end": {"vi": "(hết)", "en": "(end)"},
    "bulletin.diff.show_all": {"vi": "Xem thay đổi mới nhất", "en": "Show the latest changes"},
    "bulletin.name.title": {"vi": "Tiêu đề", "en": "Title"},
    "bulletin.name.category_code": {"vi": "Lĩnh vực", "en": "Category"},
    "bulletin.name.priority": {"vi": "Mức ưu tiên", "en": "Priority"},
    "bulletin.name.target_type": {"vi": "Loại nơi phát", "en": "Kind of target"},
    "bulletin.name.target_codes": {"vi": "Nơi phát", "en": "Target"},
    "bulletin.name.media_sha256": {"vi": "Âm thanh", "en": "Audio"},
    "bulletin.name.valid_from": {"vi": "Hiệu lực từ", "en": "Valid from"},
    "bulletin.name.valid_until": {"vi": "Hiệu lực đến", "en": "Valid until"},
    "bulletin.name.text": {"vi": "Nội dung", "en": "Text"},
    "bulletin.value.empty": {"vi": "(trống)", "en": "(empty)"},
    # ------------------------------------------------------------ errors
    "bulletin.not_found.title": {"vi": "Không tìm thấy bản tin", "en": "Bulletin not found"},
    "bulletin.not_found": {
        "vi": "Không tìm thấy bản tin số {id} trong địa bàn bạn phụ trách.",
        "en": "There is no bulletin no. {id} in your areas.",
    },
    "bulletin.forbidden.title": {"vi": "Không có quyền", "en": "Not allowed"},
    "bulletin.refused.title": {"vi": "Không thực hiện được", "en": "Not possible"},
    "bulletin.err.forbidden": {
        "vi": "Vai trò của bạn không cho phép việc này với bản tin của địa bàn này.",
        "en": "Your role does not allow this for bulletins of this area.",
    },
    "bulletin.err.own": {
        "vi": "Người viết không thể tự duyệt bản tin của mình; cần một lãnh đạo khác duyệt.",
        "en": "The author cannot approve their own bulletin; another approver must.",
    },
    "bulletin.err.no_write": {
        "vi": "Bạn chưa được giao quyền viết bản tin. Vui lòng liên hệ quản trị viên.",
        "en": "You have not been given the right to write bulletins. Please ask an administrator.",
    },
    "bulletin.err.state": {
        "vi": "Không thể {what} vì bản tin đang ở trạng thái “{state}”.",
        "en": "Cannot {what}: the bulletin is “{state}”.",
    },
    "bulletin.err.stale": {
        "vi": "Bản tin vừa được người khác sửa (nay là phiên bản {n}). Nội dung bạn nhập vẫn còn bên dưới; "
        "vui lòng xem lại bản tin rồi lưu lại.",
        "en": "Someone else just changed the bulletin (now version {n}). What you typed is kept below; "
        "please check the bulletin, then save again.",
    },
    "bulletin.err.version": {
        "vi": "Bản tin vừa được sửa (nay là phiên bản {n}). Vui lòng đọc lại nội dung mới trước khi duyệt.",
        "en": "The bulletin just changed (now version {n}). Please read the new content before approving.",
    },
    "bulletin.err.title_empty": {"vi": "Vui lòng nhập tiêu đề.", "en": "Please enter a title."},
    "bulletin.err.title_long": {"vi": "Tiêu đề dài quá {n} ký tự.", "en": "The title is longer than {n} characters."},
    "bulletin.err.text_long": {
        "vi": "Nội dung dài quá {n} ký tự (khoảng nửa giờ đọc). Vui lòng chia thành nhiều bản tin.",
        "en": "The text is longer than {n} characters (about half an hour). Please split it into several bulletins.",
    },
    "bulletin.err.text_garbled": {
        "vi": "Nội dung có ký tự bị lỗi phông chữ. Vui lòng dán lại văn bản ở dạng Unicode.",
        "en": "The text has broken characters. Please paste it again as Unicode.",
    },
    "bulletin.err.text_needed": {
        "vi": "Bản tin cần có nội dung (văn bản hoặc âm thanh) trước khi gửi duyệt hoặc phát.",
        "en": "The bulletin needs a text or an audio file before it is submitted or sent.",
    },
    "bulletin.err.priority": {"vi": "Vui lòng chọn mức ưu tiên.", "en": "Please choose a priority."},
    "bulletin.err.not_emergency": {
        "vi": "Chỉ bản tin khẩn cấp mới được phát ngay không qua duyệt.",
        "en": "Only an emergency bulletin may skip approval.",
    },
    "bulletin.err.category": {
        "vi": "Vui lòng chọn lĩnh vực trong danh sách.",
        "en": "Please choose a category from the list.",
    },
    "bulletin.err.until_before": {
        "vi": "Thời điểm hết hiệu lực phải sau thời điểm bắt đầu.",
        "en": "The end of validity must come after its start.",
    },
    "bulletin.err.until_past": {
        "vi": "Thời điểm hết hiệu lực đã qua. Vui lòng chọn một thời điểm trong tương lai.",
        "en": "The end of validity is already past. Please choose a later time.",
    },
    "bulletin.err.datetime": {
        "vi": "Ngày giờ chưa đúng. Vui lòng chọn lại bằng ô chọn ngày giờ.",
        "en": "This date and time is not valid. Please pick it again.",
    },
    "bulletin.err.owner": {
        "vi": "Vui lòng chọn đơn vị phát hành (xã, phường hoặc tỉnh của bạn).",
        "en": "Please choose who issues it (your commune or province).",
    },
    "bulletin.err.scope": {"vi": "Vui lòng chọn nơi phát.", "en": "Please choose where it plays."},
    "bulletin.err.group": {
        "vi": "Chỉ tỉnh mới gửi được tới nhóm thiết bị.",
        "en": "Only the province sends to a device group.",
    },
    "bulletin.err.target_none": {
        "vi": "Vui lòng chọn ít nhất một nơi phát.",
        "en": "Please choose at least one place.",
    },
    "bulletin.err.target_outside": {
        "vi": "{name} không thuộc địa bàn của đơn vị phát hành.",
        "en": "{name} is outside the issuing area.",
    },
    "bulletin.err.target_merged": {
        "vi": "{name} đã được sáp nhập, không còn hoạt động. Vui lòng chọn lại.",
        "en": "{name} has been merged and is no longer active. Please choose again.",
    },
    "bulletin.err.target_unknown": {"vi": "Không tìm thấy nơi phát {name}.", "en": "Unknown target {name}."},
    "bulletin.err.device_outside": {
        "vi": "Thiết bị {name} không thuộc địa bàn của đơn vị phát hành.",
        "en": "Device {name} is outside the issuing area.",
    },
    "bulletin.err.reason": {
        "vi": "Vui lòng ghi lý do trả lại để người viết biết cần sửa gì.",
        "en": "Please say why, so the writer knows what to fix.",
    },
    "bulletin.err.reason_long": {
        "vi": "Lý do dài quá {n} ký tự. Vui lòng viết ngắn lại.",
        "en": "The reason is longer than {n} characters. Please shorten it.",
    },
    "bulletin.done.unchanged": {
        "vi": "Không có gì thay đổi nên bản tin vẫn giữ nguyên.",
        "en": "Nothing changed, so the bulletin stays as it was.",
    },
    "bulletin.err.generic": {"vi": "Thông tin chưa đúng: {message}", "en": "Not valid: {message}"},
}

for _key in _AUDIO_MESSAGES.keys() & MESSAGES.keys():
    raise RuntimeError(f"UI string {_key!r} is defined twice (bulletins, bulletin_audio)")
MESSAGES.update(_AUDIO_MESSAGES)
