// Programme pages. The week: drag and drop, or the "Up"/"Down" buttons, put a slot's items in a new order through
// the reorder API (no reload), then the new start times come from the day's plan; a refusal (the slot has begun,
// an overlap) puts the items back and says why. Without JavaScript the buttons are plain forms. The placement
// form: only the fields of the chosen kind of time are shown.
"use strict";
(function () {
  const placeForm = document.getElementById("place-form");
  if (placeForm) {
    const sync = function () {
      const checked = placeForm.querySelector('input[name="mode"]:checked');
      const mode = checked ? checked.value : "slot";
      placeForm.querySelectorAll(".p-mode").forEach(function (el) { el.hidden = el.dataset.mode !== mode; });
    };
    placeForm.querySelectorAll('input[name="mode"]').forEach(function (r) { r.addEventListener("change", sync); });
    sync();
    const result = document.getElementById("check-result");
    if (result) result.focus();
  }

  const stringsEl = document.getElementById("programme-strings");
  if (!stringsEl || !window.Nguon) return;
  const S = JSON.parse(stringsEl.textContent);

  function itemsOf(list) { return Array.from(list.children).filter(function (el) { return el.classList.contains("p-item"); }); }
  function idsOf(list) { return itemsOf(list).map(function (li) { return Number(li.dataset.itemId); }); }

  /** Only the first item cannot go up, only the last cannot go down. */
  function updateButtons(list) {
    const items = itemsOf(list);
    items.forEach(function (li, k) {
      const up = li.querySelector('[data-move="up"]');
      const down = li.querySelector('[data-move="down"]');
      if (up) up.disabled = k === 0;
      if (down) down.disabled = k === items.length - 1;
    });
  }

  function putBack(list, ids) {
    const byId = new Map(itemsOf(list).map(function (li) { return [Number(li.dataset.itemId), li]; }));
    ids.forEach(function (id) { const li = byId.get(id); if (li) list.appendChild(li); });
  }

  function say(list, text, ok) {
    const msg = list.parentElement.querySelector(".p-msg");
    if (!msg) return;
    msg.textContent = text;
    msg.classList.toggle("is-ok", ok);
    msg.classList.toggle("is-error", !ok);
  }

  function reasons(detail) {
    if (!Array.isArray(detail)) return "";
    const words = detail.map(function (p) {
      if (p.code === "overlap") return S.overlap;
      if (p.code === "before_validity" || p.code === "after_validity") return S.validity;
      return p.message || "";
    });
    return Array.from(new Set(words)).join("; ");
  }

  /** The start times of the occurrence's items as the server now computes them. */
  async function refreshTimes(list) {
    const r = await window.Nguon.apiFetch(list.dataset.planUrl);
    if (!r.ok) return;
    const plan = await r.json();
    const slot = plan.slots.find(function (s) { return s.slot.id === Number(list.dataset.slot); });
    if (!slot) return;
    slot.items.forEach(function (item) {
      const start = list.querySelector('.p-item[data-item-id="' + item.id + '"] [data-role="start"]');
      if (start) start.textContent = String(item.start_local).slice(0, 8);
    });
  }

  async function save(list, before, focusItem, focusDir) {
    list.setAttribute("aria-busy", "true");
    let r = null;
    try {
      r = await window.Nguon.apiFetch(list.dataset.reorderUrl, {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ item_ids: idsOf(list) }),
      });
    } catch (e) {
      r = null;
    }
    if (r && r.ok) {
      await refreshTimes(list);
      say(list, S.moved, true);
    } else {
      putBack(list, before);
      if (r && r.status === 409) {
        say(list, S.begun, false);
      } else if (r && r.status === 422) {
        const body = await r.json().catch(function () { return {}; });
        say(list, S.refused + " " + reasons(body.detail), false);
      } else {
        say(list, S.failed, false);
      }
    }
    list.removeAttribute("aria-busy");
    updateButtons(list);
    if (focusItem) {
      const again = focusItem.querySelector('[data-move="' + focusDir + '"]');
      const other = focusItem.querySelector("[data-move]:not(:disabled)");
      const target = again && !again.disabled ? again : other;
      if (target) target.focus();
    }
  }

  // Keyboard and pointer alternative to dragging: the Up/Down forms, sent through the API.
  document.addEventListener("submit", function (ev) {
    const form = ev.target.closest("form.p-move");
    const list = form && form.closest(".p-items.is-movable");
    if (!list) return;
    ev.preventDefault();
    const li = form.closest(".p-item");
    const dir = form.querySelector('[name="direction"]').value;
    const sibling = dir === "up" ? li.previousElementSibling : li.nextElementSibling;
    if (!sibling) return;
    const before = idsOf(list);
    if (dir === "up") list.insertBefore(li, sibling); else list.insertBefore(sibling, li);
    updateButtons(list);
    save(list, before, li, dir);
  });

  // Drag and drop inside one occurrence.
  let dragged = null;
  let origin = null;
  document.addEventListener("dragstart", function (ev) {
    const li = ev.target.closest ? ev.target.closest(".p-items.is-movable > .p-item") : null;
    if (!li) return;
    dragged = li;
    origin = idsOf(li.parentElement);
    li.classList.add("is-dragging");
    ev.dataTransfer.effectAllowed = "move";
    ev.dataTransfer.setData("text/plain", li.dataset.itemId);
  });
  document.addEventListener("dragover", function (ev) {
    if (!dragged || !ev.target.closest) return;
    const list = ev.target.closest(".p-items");
    if (list !== dragged.parentElement) return;
    ev.preventDefault();
    ev.dataTransfer.dropEffect = "move";
    const over = ev.target.closest(".p-item");
    if (!over || over === dragged) return;
    const box = over.getBoundingClientRect();
    const after = ev.clientY > box.top + box.height / 2;
    list.insertBefore(dragged, after ? over.nextElementSibling : over);
  });
  document.addEventListener("drop", function (ev) {
    if (dragged) ev.preventDefault();
  });
  document.addEventListener("dragend", function () {
    if (!dragged) return;
    const list = dragged.parentElement;
    const before = origin;
    dragged.classList.remove("is-dragging");
    dragged = null;
    origin = null;
    updateButtons(list);
    if (idsOf(list).join() !== before.join()) save(list, before, null, "");
  });
})();
