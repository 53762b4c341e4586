// Device list and device page: live status from the presence websocket, and the operator's device actions.
"use strict";
(function () {
  const root = document.querySelector("[data-live]");
  if (!root || !window.Nguon) return;
  const N = window.Nguon;
  const statusLabels = JSON.parse(root.dataset.statusLabels || "{}");
  const eventLabels = JSON.parse(root.dataset.eventLabels || "{}");
  const ICONS = { online: "●", stale: "◐", reconnecting: "◌", offline: "○", never_seen: "–", unverified: "?" };
  const deviceId = root.dataset.deviceId || null;

  function pad(n) { return String(n).padStart(2, "0"); }

  /** "24/11/2026 14:05[:09]" in Vietnam time (UTC+7 all year) for an ISO time. */
  function localTime(iso, seconds) {
    const d = new Date(iso);
    if (isNaN(d.getTime())) return "";
    const v = new Date(d.getTime() + 7 * 3600 * 1000);
    const text = pad(v.getUTCDate()) + "/" + pad(v.getUTCMonth() + 1) + "/" + v.getUTCFullYear() + " " +
      pad(v.getUTCHours()) + ":" + pad(v.getUTCMinutes());
    return seconds ? text + ":" + pad(v.getUTCSeconds()) : text;
  }

  function timeElement(iso, seconds) {
    const t = document.createElement("time");
    t.dateTime = iso;
    t.textContent = localTime(iso, seconds);
    return t;
  }

  /** Put a badge (class "status") into ``status``: icon, words and colour class together. */
  function setBadge(badge, status) {
    if (!badge || badge.dataset.status === status) return false;
    badge.classList.remove("status-" + badge.dataset.status);
    badge.classList.add("status-" + status);
    badge.dataset.status = status;
    const icon = badge.querySelector(".status-icon");
    const text = badge.querySelector(".status-text");
    if (icon) icon.textContent = ICONS[status] || "";
    if (text) text.textContent = statusLabels[status] || status;
    badge.classList.remove("changed");
    void badge.offsetWidth; // restart the highlight animation
    badge.classList.add("changed");
    return true;
  }

  function onListEvent(ev) {
    const row = document.querySelector('tr[data-device-id="' + CSS.escape(ev.device_id) + '"]');
    if (!row) return;
    if (setBadge(row.querySelector(".status"), ev.status)) {
      const since = row.querySelector(".js-since .cell");
      if (since) since.replaceChildren(timeElement(ev.at, false));
    }
  }

  function onDeviceEvent(ev) {
    if (ev.device_id !== deviceId) return;
    if (setBadge(document.getElementById("device-status"), ev.status)) {
      const label = statusLabels[ev.status] || ev.status;
      const stateStatus = document.getElementById("state-status");
      if (stateStatus) stateStatus.textContent = label;
      const since = document.getElementById("state-since");
      if (since) since.replaceChildren(timeElement(ev.at, true));
      const lastSeen = document.getElementById("state-last-seen");
      if (lastSeen && ev.status === "online") lastSeen.replaceChildren(timeElement(ev.at, true));
      const announce = document.getElementById("status-announce");
      if (announce) announce.textContent = label;
    }
    if (ev.session) {
      const session = document.getElementById("state-session");
      if (session) session.textContent = String(ev.session);
    }
    const timeline = document.getElementById("timeline");
    if (timeline && ev.event) {
      const li = document.createElement("li");
      li.className = "event new event-" + ev.event;
      const label = document.createElement("span");
      label.className = "event-label";
      label.textContent = eventLabels[ev.event] || ev.event;
      li.append(timeElement(ev.at, true), " ", label);
      timeline.prepend(li);
      while (timeline.children.length > 50) timeline.lastElementChild.remove();
      const empty = document.getElementById("timeline-empty");
      if (empty) empty.remove();
    }
  }

  /** Follow /api/v1/presence/ws (session cookie, same origin); reconnect with a growing delay. */
  function connectLive() {
    const note = document.getElementById("live-note");
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    let delay = 1000;
    function setNote(on) {
      if (!note) return;
      note.textContent = on ? note.dataset.on : note.dataset.off;
      note.classList.toggle("off", !on);
    }
    function open() {
      const ws = new WebSocket(scheme + location.host + "/api/v1/presence/ws");
      ws.onopen = function () { delay = 1000; setNote(true); root.dataset.liveReady = "1"; };
      ws.onmessage = function (msg) {
        let ev;
        try { ev = JSON.parse(msg.data); } catch (e) { return; }
        if (ev.type !== "presence" || !ev.device_id) return;
        if (deviceId) onDeviceEvent(ev); else onListEvent(ev);
      };
      ws.onclose = function () {
        delete root.dataset.liveReady;
        setNote(false);
        setTimeout(open, delay);
        delay = Math.min(delay * 2, 30000);
      };
    }
    open();
  }

  // ---------------------------------------------------------------- actions (device page, operators only)

  const actions = document.querySelector(".device-actions");

  function say(text, kind) {
    const box = document.getElementById("action-result");
    if (!box) return;
    box.classList.remove("ok", "failed");
    if (kind) box.classList.add(kind);
    box.textContent = text;
  }

  async function errorText(resp) {
    const msgs = actions.dataset;
    let detail = "";
    try {
      const body = await resp.json();
      if (typeof body.detail === "string") detail = body.detail;
      else if (Array.isArray(body.detail)) detail = body.detail.map(function (d) { return d.msg; }).join("; ");
    } catch (e) { /* not JSON */ }
    if (resp.status === 401) return msgs.msg401;
    if (resp.status === 403 && !/csrf/i.test(detail)) return msgs.msg403;
    if (resp.status === 404) return msgs.msg404;
    if (resp.status === 422) return msgs.msg422 + " " + detail;
    return msgs.msgError + " " + (detail || resp.status);
  }

  async function refreshCommands() {
    const box = document.getElementById("device-commands");
    if (!box) return;
    try {
      const resp = await N.apiFetch(box.dataset.url, { headers: { Accept: "text/html" } });
      if (resp.ok && !resp.redirected) box.innerHTML = await resp.text(); // a redirect is the log-in page
    } catch (e) { /* keep the table we have */ }
  }

  function refreshSoon() {
    refreshCommands();
    [2000, 5000, 12000].forEach(function (ms) { setTimeout(refreshCommands, ms); });
  }

  async function post(url, body, buttons) {
    buttons.forEach(function (b) { b.disabled = true; });
    say(actions.dataset.msgSending, null);
    try {
      const resp = await N.apiFetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: body === null ? undefined : JSON.stringify(body),
      });
      if (!resp.ok) { say(await errorText(resp), "failed"); return null; }
      return await resp.json();
    } catch (e) {
      say(actions.dataset.msgNetwork, "failed");
      return null;
    } finally {
      buttons.forEach(function (b) { b.disabled = false; });
    }
  }

  async function sendCommand(body, buttons) {
    const url = "/api/v1/devices/" + encodeURIComponent(deviceId) + "/commands";
    const result = await post(url, body, buttons);
    if (result) {
      say(actions.dataset.msgSent.replace("{id}", result.id), "ok");
      refreshSoon();
    }
  }

  function setUpActions() {
    const form = document.getElementById("volume-form");
    const allButtons = Array.from(actions.querySelectorAll("button"));
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      const input = document.getElementById("volume-input");
      const raw = input.value.trim();
      const volume = Number(raw);
      if (!/^\d{1,3}$/.test(raw) || volume > 100) {
        input.setAttribute("aria-invalid", "true");
        say(actions.dataset.msgVolumeBad, "failed");
        input.focus();
        return;
      }
      input.removeAttribute("aria-invalid");
      sendCommand({ type: "set_volume", volume: volume }, allButtons);
    });
    actions.querySelectorAll("button[data-command]").forEach(function (button) {
      button.addEventListener("click", function () {
        const type = button.dataset.command;
        if (type === "reboot" && !window.confirm(actions.dataset.msgConfirmReboot)) return;
        sendCommand({ type: type }, allButtons);
      });
    });
    document.getElementById("credentials-button").addEventListener("click", async function () {
      if (!window.confirm(actions.dataset.msgConfirmCredentials)) return;
      const url = "/api/v1/devices/" + encodeURIComponent(deviceId) + "/credentials";
      const result = await post(url, null, allButtons);
      if (!result) return;
      document.getElementById("credential-user").textContent = result.username;
      document.getElementById("credential-password").textContent = result.password;
      const box = document.getElementById("credential-result");
      box.hidden = false;
      const state = document.getElementById("state-credentials");
      if (state) state.textContent = actions.dataset.msgIssued + " " + localTime(result.issued_at, false);
      say(actions.dataset.msgCredentialsDone, "ok");
    });
  }

  if (actions && deviceId) setUpActions();
  if ("WebSocket" in window) connectLive();
})();
