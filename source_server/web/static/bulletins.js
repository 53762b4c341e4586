// Bulletin form: a live character count, and the target choices that follow the owning area and the scope.
"use strict";
(function () {
  const form = document.getElementById("bulletin-form");
  if (!form) return;

  const text = document.getElementById("b-text");
  const count = document.getElementById("text-count");
  if (text && count) {
    const template = count.dataset.template;
    const max = Number(count.dataset.max);
    const perMinute = Number(count.dataset.perMinute);
    const fmt = new Intl.NumberFormat(document.documentElement.lang === "en" ? "en" : "vi");
    const update = function () {
      const n = text.value.length;
      const minutes = n ? Math.max(1, Math.round(n / perMinute)) : 0;
      count.textContent = template.replace("{n}", fmt.format(n)).replace("{max}", fmt.format(max)) +
        (minutes ? count.dataset.minutes.replace("{minutes}", String(minutes)) : "");
      count.classList.toggle("near", n > max * 0.9);
    };
    text.addEventListener("input", update);
    update();
  }

  const owner = document.getElementById("b-owner");
  const target = document.getElementById("b-target");
  if (!target) return;
  const scopes = Array.from(form.querySelectorAll('input[name="target_scope"]'));

  function ownerCode() {
    if (owner) return owner.value;
    const fixed = target.querySelector("fieldset.parts");
    return fixed ? fixed.dataset.owner : "";
  }
  function ownerLevel() {
    if (owner && owner.tagName === "SELECT") {
      const opt = owner.options[owner.selectedIndex];
      return (opt && opt.dataset.level) || "commune";
    }
    return (owner && owner.dataset.level) || target.dataset.level || "commune";
  }
  function scope() {
    const checked = scopes.find(function (r) { return r.checked; });
    return checked ? checked.value : "";
  }
  /** Offer only the jingles the chosen owner may use (a kept, since deactivated choice stays). */
  function syncJingles(code) {
    form.querySelectorAll("select.jingle-select").forEach(function (select) {
      Array.from(select.options).forEach(function (opt) {
        if (!opt.value || !opt.dataset.owners) return;
        const on = !code || opt.dataset.owners.split(" ").indexOf(code) >= 0;
        opt.hidden = !on;
        opt.disabled = !on;
        if (!on && opt.selected) select.value = "";
      });
    });
  }
  /** Show the labels of the owner's level and only its parts, and only when "some places" is chosen. */
  function sync() {
    const level = ownerLevel();
    target.querySelectorAll("[data-for-level]").forEach(function (el) {
      el.hidden = el.dataset.forLevel !== level;
    });
    const code = ownerCode();
    const part = scope() === "part";
    target.querySelectorAll("fieldset.parts").forEach(function (fs) {
      const on = part && fs.dataset.owner === code;
      fs.hidden = !on;
      fs.disabled = !on;
    });
    syncJingles(code);
  }
  if (owner) owner.addEventListener("change", sync);
  scopes.forEach(function (r) { r.addEventListener("change", sync); });
  sync();

  const summary = document.getElementById("form-errors");
  if (summary) {
    const first = form.querySelector('[aria-invalid="true"]');
    (first || summary).focus();
  }
})();
