/* ed24-cabinet: the few behaviours htmx attributes cannot express without eval.
   Pages work without this file; it only improves them. */
(function () {
  "use strict";

  // Inline validation: tell the server whether the user is still typing (input)
  // or has left the field (blur/change), so half-typed values are not scolded.
  document.addEventListener("htmx:configRequest", function (e) {
    var ev = e.detail.triggeringEvent;
    if (ev && e.detail.verb === "post") { e.detail.parameters["event"] = ev.type; }
  });

  // A CSRF failure (expired page) on a fragment: say so in the target, in the page's language.
  document.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail.xhr;
    if (xhr && xhr.status === 400 && e.detail.target) {
      e.detail.target.textContent = document.body.getAttribute("data-csrf-expired");
    }
  });

  // After a message swap, keep aria-invalid in step with what the field says.
  document.addEventListener("htmx:afterSwap", function (e) {
    var t = e.detail.target;
    if (t && t.classList.contains("field-error")) {
      var input = document.getElementById(t.id.replace(/-error$/, ""));
      if (input) {
        if (t.textContent.trim()) { input.setAttribute("aria-invalid", "true"); }
        else { input.removeAttribute("aria-invalid"); }
      }
    }
    initCountdowns(t);
  });

  // Countdowns: start from the server's number of seconds, tick each second,
  // announce politely at most every 15 s, and at 0 ask the server again.
  var ANNOUNCE_EVERY = 15;
  function initCountdowns(root) {
    var els = (root || document).querySelectorAll("[data-countdown]");
    if (root && root.hasAttribute && root.hasAttribute("data-countdown")) { els = [root]; }
    Array.prototype.forEach.call(els, function (el) {
      if (el.getAttribute("data-countdown-started")) { return; }
      el.setAttribute("data-countdown-started", "1");
      var left = parseInt(el.getAttribute("data-countdown"), 10) || 0;
      var secs = el.querySelector(".countdown-seconds");
      var live = document.getElementById(el.id + "-live");
      var gate = el.getAttribute("data-disables");
      var button = gate ? document.getElementById(gate) : null;
      if (button && left > 0) { button.disabled = true; }
      var lastAnnounced = left;
      var timer = setInterval(function () {
        left -= 1;
        if (secs) { secs.textContent = String(Math.max(left, 0)); }
        if (live && (lastAnnounced - left >= ANNOUNCE_EVERY) && left > 0) {
          live.textContent = el.textContent.replace(/\s+/g, " ").trim();
          lastAnnounced = left;
        }
        if (left <= 0) {
          clearInterval(timer);
          if (button) { button.disabled = false; }
          if (!document.body.contains(el)) { return; }
          if (window.htmx) { window.htmx.trigger(el, "countdown-done"); }
        }
      }, 1000);
    });
  }

  function focusOnLoad() {
    var target = document.querySelector("[data-focus-on-load]");
    if (target) { target.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    initCountdowns(document);
    focusOnLoad();
  });
})();
