// Nguồn UI helpers: fetch with the page's CSRF token, and the header's open-alarm badge.
"use strict";
(function () {
  const meta = document.querySelector('meta[name="csrf-token"]');
  const csrfToken = meta ? meta.content : "";

  /** fetch() for same-origin API calls: sends the session cookie and X-CSRF-Token on writes. */
  function apiFetch(url, options) {
    const opts = Object.assign({ credentials: "same-origin" }, options || {});
    const method = (opts.method || "GET").toUpperCase();
    opts.headers = new Headers(opts.headers || {});
    if (!["GET", "HEAD", "OPTIONS"].includes(method) && csrfToken) {
      opts.headers.set("X-CSRF-Token", csrfToken);
    }
    return fetch(url, opts);
  }

  /** Update the open-alarm count in the header (pages with live data call this). */
  function setOpenAlarms(count) {
    const badge = document.getElementById("open-alarm-count");
    if (!badge) return;
    badge.textContent = String(count);
    badge.classList.toggle("badge-alert", count > 0);
  }

  window.Nguon = { csrfToken: csrfToken, apiFetch: apiFetch, setOpenAlarms: setOpenAlarms };
})();
