// Emergency live view: refresh the proof-of-play counts every second while on air; confirm before stopping.
"use strict";
(function () {
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (e) => {
      if (!window.confirm(form.dataset.confirm)) e.preventDefault();
    });
  });
  const box = document.getElementById("proof");
  if (!box) return;
  async function refresh() {
    const r = await Nguon.apiFetch(box.dataset.url);
    if (!r.ok) return;
    const p = await r.json();
    const c = p.counts;
    document.getElementById("reached").textContent = (c.started || 0) + (c.done || 0) + (c.preempted || 0) + (c.interrupted || 0);
    document.getElementById("total").textContent = p.total;
    // a count is a link to the devices it counts: write into the link, keep the link
    const put = (el, value) => ((el.querySelector("a") || el).textContent = value);
    box.querySelectorAll("dd[data-state]").forEach((dd) => put(dd, c[dd.dataset.state] || 0));
    Object.entries(p.by_commune).forEach(([code, counts]) => {
      const tr = box.querySelector(`tr[data-commune="${CSS.escape(code)}"]`);
      if (!tr) return;
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      tr.querySelectorAll("[data-k]").forEach((td) => {
        put(td, td.dataset.k === "total" ? total : counts[td.dataset.k] || 0);
      });
    });
    document.body.dataset.proofUpdated = String(Date.now());
  }
  setInterval(refresh, 1000);
})();
