// Bulletin audio: shared helpers (the page's words, API calls with the server's refusals in words), and on the
// bulletin's page the upload of a file and the recording from the microphone (MediaRecorder → the same upload).
"use strict";
(function () {
  const cfgNode = document.getElementById("audio-config");
  if (!cfgNode) return;
  const cfg = JSON.parse(cfgNode.textContent);
  const words = cfg.t;

  /** The page's text for ``key`` (without the "bulletin." prefix), with {name} placeholders filled. */
  function t(key, values) {
    let out = words[key] || key;
    Object.keys(values || {}).forEach(function (name) {
      out = out.split("{" + name + "}").join(String(values[name]));
    });
    return out;
  }

  /** m:ss (or h:mm:ss) for a number of seconds. */
  function clock(seconds) {
    const s = Math.max(0, Math.round(seconds));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const ss = String(s % 60).padStart(2, "0");
    return h ? h + ":" + String(m).padStart(2, "0") + ":" + ss : m + ":" + ss;
  }

  /** A refusal of the API in the page's words: by its error code (never by its English message). */
  function refusal(status, body) {
    const detail = body && body.detail;
    const first = Array.isArray(detail) ? detail[0] || {} : {};
    const message = Array.isArray(detail) ? first.message || first.msg || "" : String(detail || "");
    if (status === 401 || /CSRF/.test(message)) return t("audio.err.session");
    if (status === 404) return t("audio.err.not_found");
    if (status === 409) return t("audio.err.state");
    if (status === 413) return t("audio.err.too_large");
    if (status === 403) return t("audio.err.forbidden");
    const params = first.params || {};
    const words = first.code && (cfg.codes[first.code + ":" + params.reason] || cfg.codes[first.code]);
    if (words) {
      const more = { mb: cfg.maxMb, minutes: cfg.maxMinutes };
      return words.replace(/\{(\w+)\}/g, function (all, name) {
        return name in params ? String(params[name]) : name in more ? String(more[name]) : all;
      });
    }
    if (/[^\x00-\x7f]/.test(message)) return message; // the text checks already speak Vietnamese
    return t("audio.err.generic", { message: message || String(status) });
  }

  /** POST to the API (CSRF header added); resolves to {ok, body} or {ok: false, error: words}. */
  async function post(url, body) {
    const opts = { method: "POST", body: body };
    if (!(body instanceof FormData)) {
      opts.headers = { "Content-Type": "application/json" };
      opts.body = JSON.stringify(body);
    }
    let resp;
    try {
      resp = await window.Nguon.apiFetch(url, opts);
    } catch (e) {
      return { ok: false, error: t("audio.err.network") };
    }
    let data = null;
    try { data = await resp.json(); } catch (e) { data = null; }
    if (resp.ok) return { ok: true, body: data };
    return { ok: false, error: refusal(resp.status, data) };
  }

  /** Show a message in a <p> (hidden when empty). */
  function say(node, text) {
    if (!node) return;
    node.textContent = text || "";
    if (node.getAttribute("role") === "alert") node.hidden = !text;
  }

  window.NguonAudio = { cfg: cfg, t: t, clock: clock, post: post, say: say };
  document.querySelectorAll("[data-needs-js]").forEach(function (el) { el.hidden = false; });

  const own = document.getElementById("audio-own");
  if (!own || !cfg.bulletin) return;
  const status = document.getElementById("audio-status");
  const error = document.getElementById("audio-error");
  const fileInput = document.getElementById("audio-file");
  const uploadBtn = document.getElementById("audio-upload");
  const recordBtn = document.getElementById("record-toggle");
  const recordTime = document.getElementById("record-time");
  const review = document.getElementById("record-review");
  const reviewText = document.getElementById("record-done");
  const reviewPlayer = document.getElementById("record-player");
  const controls = document.getElementById("record-controls");
  const sendBtn = document.getElementById("record-send");
  const againBtn = document.getElementById("record-again");
  const buttons = [uploadBtn, recordBtn, sendBtn, againBtn];
  let pending = null; // a recording not sent yet: {blob, url, seconds}

  function busy(on) { buttons.forEach(function (b) { b.disabled = on; }); }

  /** Send a file or a recording; the page reloads on success to show the player and the new version. */
  async function upload(blob, name) {
    say(error, "");
    if (blob.size > cfg.maxBytes) {
      say(error, t("audio.too_big", { size: (blob.size / 1048576).toFixed(1) }));
      return;
    }
    busy(true);
    say(status, t("audio.uploading"));
    const form = new FormData();
    form.append("file", blob, name);
    const r = await post("/api/v1/bulletins/" + cfg.bulletin + "/audio", form);
    if (!r.ok) {
      busy(false);
      say(status, "");
      say(error, r.error);
      return;
    }
    discard();
    say(status, t("audio.saved"));
    window.location.assign("/ui/bulletins/" + cfg.bulletin + "?done=audio#audio");
  }

  const fileName = document.getElementById("audio-file-name");
  const noFile = fileName.textContent;
  fileInput.addEventListener("change", function () {
    const file = fileInput.files && fileInput.files[0];
    fileName.textContent = file ? file.name + " (" + (file.size / 1048576).toFixed(1) + " MB)" : noFile;
    say(error, "");
  });

  uploadBtn.addEventListener("click", function () {
    const file = fileInput.files && fileInput.files[0];
    if (!file) {
      say(error, t("audio.choose_first"));
      fileInput.focus();
      return;
    }
    upload(file, file.name);
  });

  // ---------------------------------------------------------------- recording
  let recorder = null;
  let stream = null;
  let timer = 0;
  let started = 0;

  function micProblem(e) {
    const name = (e && e.name) || "";
    if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") return t("audio.mic.denied");
    if (name === "NotFoundError" || name === "OverconstrainedError" || name === "DevicesNotFoundError") return t("audio.mic.missing");
    if (name === "NotReadableError" || name === "AbortError" || name === "TrackStartError") return t("audio.mic.busy");
    return t("audio.mic.failed", { why: (e && e.message) || name || "?" });
  }

  function mimeType() {
    const types = ["audio/webm;codecs=opus", "audio/webm", "audio/ogg;codecs=opus", "audio/mp4"];
    return types.find(function (m) { return MediaRecorder.isTypeSupported(m); }) || "";
  }

  function extension(type) {
    if (type.indexOf("ogg") >= 0) return "ogg";
    if (type.indexOf("mp4") >= 0) return "m4a";
    return "webm";
  }

  function discard() {
    if (pending) URL.revokeObjectURL(pending.url);
    pending = null;
    review.hidden = true;
    controls.hidden = false;
    reviewPlayer.removeAttribute("src");
  }

  // A recorded WebM has no duration in its header: Chromium shows "0:00" until it has seen the end, so seek there.
  reviewPlayer.addEventListener("loadedmetadata", function () {
    if (reviewPlayer.duration !== Infinity) return;
    reviewPlayer.addEventListener("durationchange", function back() {
      if (reviewPlayer.duration === Infinity) return;
      reviewPlayer.removeEventListener("durationchange", back);
      reviewPlayer.currentTime = 0;
    });
    reviewPlayer.currentTime = 1e7;
  });

  function tick() {
    const seconds = (performance.now() - started) / 1000;
    recordTime.textContent = t("audio.record.on", { t: clock(seconds) });
    if (seconds >= cfg.maxSeconds) {
      say(status, t("audio.record.limit", { minutes: cfg.maxMinutes }));
      stop();
    }
  }

  async function start() {
    say(error, "");
    discard();
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.MediaRecorder) {
      say(error, t("audio.mic.unsupported"));
      return;
    }
    say(status, t("audio.record.asking"));
    recordBtn.disabled = true;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } });
    } catch (e) {
      recordBtn.disabled = false;
      say(status, "");
      say(error, micProblem(e));
      return;
    }
    const type = mimeType();
    const chunks = [];
    recorder = type ? new MediaRecorder(stream, { mimeType: type }) : new MediaRecorder(stream);
    recorder.addEventListener("dataavailable", function (e) { if (e.data && e.data.size) chunks.push(e.data); });
    recorder.addEventListener("stop", function () {
      const seconds = (performance.now() - started) / 1000;
      const blobType = recorder.mimeType || type || "audio/webm";
      const blob = new Blob(chunks, { type: blobType });
      stream.getTracks().forEach(function (track) { track.stop(); });
      recorder = null;
      pending = { blob: blob, url: URL.createObjectURL(blob), seconds: seconds, ext: extension(blobType) };
      reviewPlayer.src = pending.url;
      reviewText.textContent = t("audio.record.done", { t: clock(seconds) });
      review.hidden = false;
      controls.hidden = true; // "Ghi lại" starts again from the review
      recordBtn.disabled = false;
      sendBtn.focus();
    });
    recorder.start(1000);
    started = performance.now();
    timer = window.setInterval(tick, 250);
    tick();
    say(status, "");
    recordBtn.textContent = t("audio.record.stop");
    recordBtn.classList.add("recording");
    recordBtn.setAttribute("aria-pressed", "true");
    recordBtn.disabled = false;
  }

  function stop() {
    window.clearInterval(timer);
    recordBtn.textContent = t("audio.record.start");
    recordBtn.classList.remove("recording");
    recordBtn.setAttribute("aria-pressed", "false");
    recordTime.textContent = "";
    if (recorder && recorder.state !== "inactive") {
      recordBtn.disabled = true; // until the recording is ready to hear
      recorder.stop();
    }
  }

  recordBtn.addEventListener("click", function () { if (recorder) stop(); else start(); });
  againBtn.addEventListener("click", start);
  sendBtn.addEventListener("click", function () {
    if (pending) upload(pending.blob, "ghi-am." + pending.ext);
  });
  window.addEventListener("beforeunload", function (e) {
    if (recorder || pending) { e.preventDefault(); e.returnValue = ""; }
  });
})();
