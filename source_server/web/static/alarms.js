// Alarms page: listen to the presence websocket; on an alarm event show a "reload" notice and update the counts.
"use strict";
(function () {
  const root = document.getElementById("alarm-page");
  if (!root || !window.WebSocket || !window.Nguon) return;
  const notice = document.getElementById("alarm-live");
  const text = document.getElementById("alarm-live-text");
  const liveCounts = root.dataset.liveCounts === "1";
  let events = 0;
  let timer = null;
  let retry = 1000;

  /** Ask the server for the counts once the presence batch holding the change is written. */
  function refreshCounts() {
    timer = null;
    window.Nguon.apiFetch("/ui/alarms/counts")
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        window.Nguon.setOpenAlarms(data.open_alarms);
        if (!liveCounts) return;
        Object.keys(data.by_kind).forEach(function (kind) {
          const el = root.querySelector('.count[data-kind="' + kind + '"]');
          if (el) el.textContent = String(data.by_kind[kind]);
        });
      })
      .catch(function () { /* the next event tries again */ });
  }

  function onAlarm(event) {
    events += 1;
    text.textContent = text.dataset.template.replace("{n}", String(events));
    notice.hidden = false;
    const badge = document.getElementById("open-alarm-count");
    if (badge) {
      const shown = parseInt(badge.textContent, 10) || 0;
      window.Nguon.setOpenAlarms(Math.max(0, shown + (event.action === "opened" ? 1 : -1)));
    }
    if (timer) clearTimeout(timer);
    timer = setTimeout(refreshCounts, 1500);
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const ws = new WebSocket(scheme + location.host + "/api/v1/presence/ws");
    ws.onopen = function () { retry = 1000; };
    ws.onmessage = function (message) {
      let event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      if (event && event.type === "alarm") onAlarm(event);
    };
    ws.onclose = function () {
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    };
  }
  connect();
})();
