// Bulletin form: "Xem cách đọc" shows the text as it will be spoken (problems marked in the text, a legacy-font
// paste offered in Unicode), and "Nghe thử" plays the synthesised preview and says which engine spoke.
"use strict";
(function () {
  const A = window.NguonAudio;
  const text = document.getElementById("b-text");
  if (!A || !text) return;
  const t = A.t;

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  // ---------------------------------------------------------------- how it will be read
  const readingBtn = document.getElementById("reading-btn");
  const panel = document.getElementById("reading");
  let readFor = null; // the text the panel shows the reading of

  /** Whose abbreviation dictionary reads the text: the chosen owner area (the province's when none is chosen). */
  function dictionaryArea() {
    const owner = document.getElementById("b-owner");
    return (owner && owner.value) || (panel && panel.dataset.area) || null;
  }

  /** The repaired text with each problem's span in a <mark> (positions index ``source``). */
  function marked(source, warnings) {
    const spans = warnings
      .filter(function (w) { return w.code !== "encoding_repaired" && w.end > w.start; })
      .sort(function (a, b) { return a.start - b.start; });
    const box = el("div", { className: "reading-source", id: "reading-source" });
    let at = 0;
    spans.forEach(function (w) {
      if (w.start < at) return; // overlaps the previous mark
      box.appendChild(document.createTextNode(source.slice(at, w.start)));
      const mark = el("mark", { title: w.message }, [el("span", { className: "visually-hidden", text: "[" })]);
      mark.appendChild(document.createTextNode(source.slice(w.start, w.end)));
      mark.appendChild(el("span", { className: "visually-hidden", text: "]" }));
      box.appendChild(mark);
      at = w.end;
    });
    box.appendChild(document.createTextNode(source.slice(at)));
    return spans.length ? box : null;
  }

  /** Offer the Unicode version of a TCVN3/VNI paste; "use" puts it in the textarea and reads it again. */
  function conversion(reading) {
    const key = "reading.encoding." + reading.encoding;
    const use = el("button", { type: "button", className: "primary", id: "reading-use", text: t("reading.use") });
    const keep = el("button", { type: "button", id: "reading-keep", text: t("reading.keep") });
    const box = el("div", { className: "reading-convert", id: "reading-convert" }, [
      el("p", { text: t(key) }),
      el("p", {}, [el("strong", { text: t("reading.converted") })]),
      el("div", { className: "reading-source converted", text: reading.source }),
      el("div", { className: "row" }, [use, keep]),
    ]);
    use.addEventListener("click", function () {
      text.value = reading.source;
      text.dispatchEvent(new Event("input", { bubbles: true }));
      read().then(function () {
        panel.insertBefore(el("p", { className: "notice success", role: "status", text: t("reading.used") }), panel.firstChild);
      });
    });
    keep.addEventListener("click", function () { box.remove(); });
    return box;
  }

  function show(reading, typed) {
    panel.replaceChildren();
    readFor = typed;
    if (reading.encoding !== "unicode" && reading.source !== typed) panel.appendChild(conversion(reading));
    if (!reading.speakable) {
      panel.appendChild(el("div", { className: "reading-blocked", role: "alert", id: "reading-blocked" }, [
        el("p", {}, [el("strong", { text: t("reading.blocked") })]),
        el("p", { text: reading.reason }),
      ]));
    }
    const marks = marked(reading.source, reading.warnings);
    if (marks) {
      panel.appendChild(el("p", { className: "label-like", text: t("reading.marked") }));
      panel.appendChild(marks);
    }
    const notes = reading.warnings.filter(function (w) { return w.code !== "encoding_repaired"; });
    if (notes.length) {
      panel.appendChild(el("ul", { className: "reading-notes" }, notes.map(function (w) {
        return el("li", { className: w.blocking ? "blocking" : "", text: w.message });
      })));
    }
    if (reading.speakable) {
      panel.appendChild(el("p", { className: "label-like", text: t("reading.title") }));
      panel.appendChild(el("div", { className: "spoken", id: "reading-spoken", lang: "vi" },
        reading.sentences.map(function (s) { return el("p", { text: s }); })));
    }
    panel.appendChild(el("p", { className: "warn-note", id: "reading-stale", text: t("reading.stale"), hidden: "" }));
    panel.hidden = false;
  }

  async function read() {
    const typed = text.value;
    panel.hidden = false;
    if (!typed.trim()) {
      panel.replaceChildren(el("p", { className: "error", role: "alert", text: t("reading.empty") }));
      readFor = null;
      return;
    }
    readingBtn.disabled = true;
    panel.replaceChildren(el("p", { className: "audio-status", text: t("reading.busy") }));
    const r = await A.post("/api/v1/bulletins/reading", { text: typed, area: dictionaryArea() });
    readingBtn.disabled = false;
    if (r.ok) show(r.body, typed);
    else panel.replaceChildren(el("p", { className: "error", role: "alert", text: r.error }));
  }

  if (readingBtn && panel) readingBtn.addEventListener("click", read);

  // ---------------------------------------------------------------- the spoken preview
  const previewBtn = document.getElementById("preview-btn");
  const preview = document.getElementById("preview");
  const player = document.getElementById("preview-player");
  const engineLine = document.getElementById("preview-engine");
  const durationLine = document.getElementById("preview-duration");
  const previewStatus = document.getElementById("preview-status");
  const previewError = document.getElementById("preview-error");
  const previewStale = document.getElementById("preview-stale");
  let heardFor = null;
  const jingleSelects = ["b-intro", "b-outro"].map(function (id) { return document.getElementById(id); });

  /** The chosen intro and outro (null for none), as the preview request names them. */
  function jingles() {
    const ids = jingleSelects.map(function (s) { return s && s.value ? Number(s.value) : null; });
    return { intro_jingle_id: ids[0], outro_jingle_id: ids[1] };
  }
  /** What a preview was made of: the text and the jingles around it. */
  function heardKey() {
    const j = jingles();
    return text.value + "\u0000" + j.intro_jingle_id + "\u0000" + j.outro_jingle_id;
  }

  function fallbackText(f) {
    const online = f.engine === "edge";
    if (online && (f.skipped || /reach|unavailable|connect|timed? ?out/i.test(String(f.error)))) {
      return t("audio.fallback.unreachable");
    }
    return t("audio.fallback.failed", { engine: A.cfg.engines[f.engine] || f.engine });
  }

  /** "Giọng đọc: espeak-ng (vi+f3, giọng nữ miền Bắc) — dịch vụ giọng đọc trực tuyến không kết nối được". */
  function engineText(result) {
    const line = t("audio.engine_line", {
      engine: A.cfg.engines[result.engine] || result.engine,
      voice: A.cfg.voices[result.voice] || result.voice,
    });
    const why = (result.fallbacks || []).map(fallbackText);
    return why.length ? line + " — " + why.join("; ") : line;
  }

  async function listen() {
    A.say(previewError, "");
    const typed = text.value;
    if (!typed.trim()) {
      A.say(previewError, t("reading.empty"));
      return;
    }
    const chosen = document.querySelector('input[name="preview_gender"]:checked');
    previewBtn.disabled = true;
    A.say(previewStatus, t("audio.busy"));
    const key = heardKey();
    const body = Object.assign({ text: typed, gender: chosen ? chosen.value : "female" }, jingles());
    body.area = dictionaryArea();
    const r = await A.post("/api/v1/bulletins/speech-preview", body);
    previewBtn.disabled = false;
    A.say(previewStatus, "");
    if (!r.ok) {
      A.say(previewError, r.error);
      return;
    }
    heardFor = key;
    player.src = "/media/" + r.body.sha256 + ".mp3";
    engineLine.textContent = engineText(r.body);
    durationLine.textContent = t("audio.duration", { d: A.clock(r.body.duration_ms / 1000) });
    previewStale.hidden = true;
    preview.hidden = false;
    player.play().catch(function () { /* the user presses play on the player */ });
  }

  if (previewBtn) previewBtn.addEventListener("click", listen);

  function markStale() {
    if (previewStale && heardFor !== null) previewStale.hidden = heardKey() === heardFor;
  }
  text.addEventListener("input", function () {
    const stale = document.getElementById("reading-stale");
    if (stale && readFor !== null) stale.hidden = text.value === readFor;
    markStale();
  });
  jingleSelects.forEach(function (s) { if (s) s.addEventListener("change", markStale); });
})();
