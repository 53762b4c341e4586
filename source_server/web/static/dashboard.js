// Province dashboard: keeps the server-rendered counts live from the presence websocket, draws the offline map.
"use strict";
(function () {
  const STATUSES = ["online", "stale", "reconnecting", "offline", "never_seen", "unverified"];
  const KINDS = ["speaker", "eboard"];
  const RECONCILE_MS = 30000;
  const data = JSON.parse(document.getElementById("dash-data").textContent);
  const S = data.strings;
  const filters = data.filters;
  const table = document.querySelector("#commune-table tbody");
  const liveState = document.getElementById("live-state");
  const deviceStatus = new Map(); // device id -> status, for the map's device view
  let model = null; // commune code -> {name, kinds: {kind: {status: n, total: n}}}
  let dirty = false;
  let renderQueued = false;

  function zero() {
    const c = { total: 0 };
    STATUSES.forEach((s) => (c[s] = 0));
    return c;
  }

  function summaryUrl() {
    const q = new URLSearchParams({ level: "commune" });
    if (filters.kind) q.set("kind", filters.kind);
    if (filters.vendor) q.set("vendor", filters.vendor);
    return "/api/v1/presence/summary?" + q;
  }

  async function loadModel() {
    const r = await Nguon.apiFetch(summaryUrl());
    if (!r.ok) return;
    const body = await r.json();
    const next = {};
    body.areas.forEach((a) => {
      const kinds = {};
      KINDS.forEach((k) => (kinds[k] = Object.assign(zero(), a.by_kind[k] || {})));
      next[a.area_code] = { name: a.area_name || a.area_code, kinds: kinds };
    });
    model = next;
    dirty = false;
    scheduleRender();
  }

  function communeCounts(c) {
    const out = zero();
    KINDS.forEach((k) => {
      if (filters.kind && filters.kind !== k) return;
      Object.keys(out).forEach((key) => (out[key] += c.kinds[k][key] || 0));
    });
    return out;
  }

  function ratio(c) {
    return c.total ? c.online / c.total : 1;
  }

  function scheduleRender() {
    if (renderQueued) return;
    renderQueued = true;
    setTimeout(() => {
      renderQueued = false;
      render();
    }, 150);
  }

  function rowFor(code, c) {
    let tr = table.querySelector(`tr[data-commune="${CSS.escape(code)}"]`);
    if (tr) return tr;
    tr = document.createElement("tr");
    tr.dataset.commune = code;
    const th = document.createElement("th");
    th.scope = "row";
    const a = document.createElement("a");
    a.href = "/ui/devices?commune=" + encodeURIComponent(code);
    a.textContent = c.name;
    th.appendChild(a);
    tr.appendChild(th);
    STATUSES.forEach((s) => {
      const td = document.createElement("td");
      td.className = "num " + s;
      const link = document.createElement("a");
      link.href = `/ui/devices?commune=${encodeURIComponent(code)}&status=${s}`;
      link.dataset.count = s;
      td.appendChild(link);
      tr.appendChild(td);
    });
    const total = document.createElement("td");
    total.className = "num";
    total.dataset.count = "total";
    tr.appendChild(total);
    const r = document.createElement("td");
    r.className = "num";
    r.innerHTML = '<span class="ratio" data-ratio></span> <span class="bar" aria-hidden="true"><span></span></span>';
    tr.appendChild(r);
    return tr;
  }

  function setText(el, value) {
    if (el && el.textContent !== String(value)) el.textContent = String(value);
  }

  function render() {
    if (!model) return;
    const rows = Object.entries(model).map(([code, c]) => ({ code, c, n: communeCounts(c) }));
    let shown = rows.filter((r) => r.n.total > 0);
    if (filters.status) shown = shown.filter((r) => r.n[filters.status] > 0);
    shown.sort((a, b) =>
      filters.status
        ? b.n[filters.status] - a.n[filters.status] || a.c.name.localeCompare(b.c.name, "vi")
        : ratio(a.n) - ratio(b.n) || a.c.name.localeCompare(b.c.name, "vi")
    );
    const keep = new Set(shown.map((r) => r.code));
    table.querySelectorAll("tr").forEach((tr) => {
      if (!tr.dataset.commune || !keep.has(tr.dataset.commune)) tr.remove();
    });
    shown.forEach((r, i) => {
      const tr = rowFor(r.code, r.c);
      STATUSES.concat(["total"]).forEach((s) => setText(tr.querySelector(`[data-count="${s}"]`), r.n[s]));
      const pct = (ratio(r.n) * 100).toFixed(1);
      setText(tr.querySelector("[data-ratio]"), pct + " %");
      tr.querySelector(".bar > span").style.width = pct + "%";
      if (table.children[i] !== tr) table.insertBefore(tr, table.children[i] || null);
    });
    KINDS.forEach((k) => {
      const tot = zero();
      Object.values(model).forEach((c) => Object.keys(tot).forEach((key) => (tot[key] += c.kinds[k][key] || 0)));
      Object.keys(tot).forEach((key) =>
        document.querySelectorAll(`[data-total="${k}:${key}"]`).forEach((el) => setText(el, tot[key]))
      );
    });
    document.body.dataset.dashRendered = String(Date.now());
    renderMapCounts();
  }

  function applyPresence(ev) {
    if (ev.device_id && deviceStatus.has(ev.device_id)) {
      deviceStatus.set(ev.device_id, ev.status);
      const dot = document.querySelector(`#map [data-device="${CSS.escape(ev.device_id)}"]`);
      if (dot) dot.setAttribute("class", "dev " + ev.status);
    }
    if (!model || filters.vendor || !ev.commune_code || !ev.kind) {
      dirty = true; // the event says no vendor: count it through a fresh summary
      return;
    }
    if (filters.kind && filters.kind !== ev.kind) return;
    const c = model[ev.commune_code];
    if (!c || !c.kinds[ev.kind]) {
      dirty = true;
      return;
    }
    const counts = c.kinds[ev.kind];
    const before = ev.previous || "never_seen";
    if (before === ev.status) return;
    if (counts[before] > 0) counts[before] -= 1;
    counts[ev.status] = (counts[ev.status] || 0) + 1;
    scheduleRender();
  }

  function applyAlarm(ev) {
    const badge = document.getElementById("open-alarm-count");
    if (!badge) return;
    const n = parseInt(badge.textContent, 10) || 0;
    Nguon.setOpenAlarms(Math.max(0, n + (ev.action === "opened" ? 1 : ev.action === "cleared" ? -1 : 0)));
  }

  function applyBroker(ev) {
    // The server's own link to the broker: the banner of every page, and counts that say "unverified" meanwhile.
    const banner = document.getElementById("broker-banner");
    if (banner) banner.hidden = !!ev.connected;
    loadModel();
  }

  function setLive(on) {
    liveState.dataset.state = on ? "live" : "down";
    liveState.textContent = on ? S["dash.live.on"] : S["dash.live.off"];
  }

  let backoff = 1000;
  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${proto}//${location.host}/api/v1/presence/ws`);
    ws.onopen = () => {
      backoff = 1000;
      setLive(true);
      loadModel(); // counts as of now; events from here on are applied to them
    };
    ws.onmessage = (msg) => {
      const ev = JSON.parse(msg.data);
      if (ev.type === "presence") applyPresence(ev);
      else if (ev.type === "alarm") applyAlarm(ev);
      else if (ev.type === "broker") applyBroker(ev);
    };
    ws.onclose = () => {
      setLive(false);
      setTimeout(connect, backoff + Math.random() * 500);
      backoff = Math.min(backoff * 2, 30000);
    };
  }

  setInterval(() => {
    if (dirty || document.visibilityState === "visible") loadModel();
  }, RECONCILE_MS);
  setInterval(() => {
    if (dirty) loadModel();
  }, 1000);

  // ----------------------------------------------------------------- the offline map
  const SVGNS = "http://www.w3.org/2000/svg";
  const mapBox = document.getElementById("map");
  const mapWhere = document.getElementById("map-where");
  const mapBack = document.getElementById("map-back");
  let mapCommunes = [];

  function el(name, attrs, parent) {
    const node = document.createElementNS(SVGNS, name);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (parent) parent.appendChild(node);
    return node;
  }

  function niceStep(span) {
    const steps = [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1];
    return steps.find((s) => span / s <= 8) || 1;
  }

  function projector(points) {
    const lats = points.map((p) => p.lat);
    const lons = points.map((p) => p.lon);
    const pad = 0.01;
    const minLat = Math.min(...lats) - pad, maxLat = Math.max(...lats) + pad;
    const minLon = Math.min(...lons) - pad, maxLon = Math.max(...lons) + pad;
    const k = Math.cos(((minLat + maxLat) / 2) * (Math.PI / 180));
    const w = 600, h = Math.max(200, Math.min(600, (w * (maxLat - minLat)) / ((maxLon - minLon) * k)));
    return {
      w, h, minLat, maxLat, minLon, maxLon,
      x: (lon) => ((lon - minLon) / (maxLon - minLon)) * w,
      y: (lat) => ((maxLat - lat) / (maxLat - minLat)) * h,
    };
  }

  function drawGrid(svg, p) {
    const g = el("g", { class: "grid" }, svg);
    const step = niceStep(Math.max(p.maxLat - p.minLat, p.maxLon - p.minLon));
    const digits = step < 0.01 ? 3 : 2;
    for (let i = Math.ceil(p.minLat / step); i * step <= p.maxLat; i++) {
      const lat = i * step;
      el("line", { x1: 0, x2: p.w, y1: p.y(lat), y2: p.y(lat) }, g);
      if (p.y(lat) < p.h - 14) el("text", { x: 2, y: p.y(lat) - 2 }, g).textContent = lat.toFixed(digits) + "°N";
    }
    for (let i = Math.ceil(p.minLon / step); i * step <= p.maxLon; i++) {
      const lon = i * step;
      el("line", { x1: p.x(lon), x2: p.x(lon), y1: 0, y2: p.h }, g);
      if (p.x(lon) > 40) el("text", { x: p.x(lon) + 2, y: p.h - 3 }, g).textContent = lon.toFixed(digits) + "°E";
    }
  }

  function newSvg(p, label) {
    mapBox.textContent = "";
    const svg = el("svg", { viewBox: `0 0 ${p.w} ${p.h}`, role: "img", "aria-label": label }, mapBox);
    drawGrid(svg, p);
    return svg;
  }

  function ratioClass(online, total) {
    const r = total ? online / total : 1;
    return r >= 0.9 ? "good" : r >= 0.6 ? "fair" : "poor";
  }

  function renderMapCounts() {
    if (!model) return;
    document.querySelectorAll("#map [data-map-commune]").forEach((node) => {
      const c = model[node.dataset.mapCommune];
      if (!c) return;
      const n = communeCounts(c);
      node.setAttribute("class", "commune " + ratioClass(n.online, n.total));
      const title = node.querySelector("title");
      if (title) title.textContent = `${c.name}: ${n.online}/${n.total} ${S["dash.map.online_of"]}`;
    });
  }

  function mapQuery(extra) {
    const q = new URLSearchParams(extra || {});
    if (filters.kind) q.set("kind", filters.kind);
    if (filters.vendor) q.set("vendor", filters.vendor);
    return "/api/v1/presence/map?" + q;
  }

  async function showProvince() {
    const r = await Nguon.apiFetch(mapQuery());
    if (!r.ok) return;
    mapCommunes = (await r.json()).communes;
    deviceStatus.clear();
    mapBack.hidden = true;
    mapWhere.textContent = "— " + S["dash.map.province"];
    if (mapCommunes.length === 1) return showCommune(mapCommunes[0].code, mapCommunes[0].name, true);
    if (!mapCommunes.length) {
      mapBox.textContent = S["dash.map.empty"];
      return;
    }
    const p = projector(mapCommunes);
    const svg = newSvg(p, S["dash.map.province"]);
    mapCommunes.forEach((c) => {
      const g = el("g", {
        class: "commune " + ratioClass(c.online, c.total), tabindex: "0", role: "button",
        "data-map-commune": c.code,
      }, svg);
      el("title", {}, g).textContent = `${c.name}: ${c.online}/${c.total} ${S["dash.map.online_of"]}`;
      el("circle", { cx: p.x(c.lon), cy: p.y(c.lat), r: 5 + 1.6 * Math.sqrt(c.total) }, g);
      el("text", { x: p.x(c.lon), y: p.y(c.lat) - 8 - 1.6 * Math.sqrt(c.total), "text-anchor": "middle" }, g)
        .textContent = c.name;
      const open = () => showCommune(c.code, c.name, false);
      g.addEventListener("click", open);
      g.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          open();
        }
      });
    });
    renderMapCounts();
  }

  async function showCommune(code, name, only) {
    const r = await Nguon.apiFetch(mapQuery({ commune: code }));
    if (!r.ok) return;
    const devices = (await r.json()).devices;
    mapBack.hidden = only;
    mapWhere.textContent = `— ${S["dash.map.devices_of"]} ${name}`;
    if (!devices.length) {
      mapBox.textContent = S["dash.map.empty"];
      return;
    }
    const p = projector(devices);
    const svg = newSvg(p, `${S["dash.map.devices_of"]} ${name}`);
    deviceStatus.clear();
    devices.forEach((d) => {
      deviceStatus.set(d.id, d.status);
      const a = el("a", { href: "/ui/devices/" + encodeURIComponent(d.id) }, svg);
      const dot = el("circle", {
        cx: p.x(d.lon), cy: p.y(d.lat), r: d.kind === "eboard" ? 7 : 5, class: "dev " + d.status,
        "data-device": d.id,
      }, a);
      el("title", {}, dot).textContent = `${d.name || d.id} (${d.id}): ${S["status." + d.status] || d.status}`;
    });
  }

  mapBack.addEventListener("click", showProvince);
  showProvince();
  connect();
})();
