/* ed24-cabinet: the few behaviours htmx attributes cannot express without eval.
   Every page works without this file; it only makes pages kinder. */
(function () {
  "use strict";

  function byId(id) { return id ? document.getElementById(id) : null; }

  // --- Inline validation -------------------------------------------------
  // Tell the server whether the visitor is still typing ("input") or left the
  // field ("blur"), so a half-typed IIN is not scolded.
  document.addEventListener("htmx:configRequest", function (e) {
    var ev = e.detail.triggeringEvent;
    if (ev && e.detail.verb === "post") { e.detail.parameters.event = ev.type; }
  });

  // A refused check (an expired page, too many requests, the service away): the server's
  // own words, in the page's language, go where the field's message goes.
  document.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail.xhr, target = e.detail.target;
    if (xhr && target && target.classList.contains("field-error")) { target.textContent = xhr.responseText; }
  });

  // The message of a field, without the visually hidden "Ошибка:" prefix.
  function messageOf(errorEl) {
    var text = "";
    errorEl.childNodes.forEach(function (node) {
      if (!(node.classList && node.classList.contains("visually-hidden"))) { text += node.textContent; }
    });
    return text.trim();
  }

  // Keep the whole page consistent with a field's message: its border, aria-invalid,
  // its line in the error summary, the summary itself and the "Ошибка:" title prefix.
  function syncField(errorEl) {
    var id = errorEl.id.replace(/-error$/, "");
    var message = messageOf(errorEl);
    var field = errorEl.closest(".field");
    var control = byId(id);
    if (field) { field.classList.toggle("field-invalid", !!message); }
    if (control && control.tagName !== "FIELDSET") {
      if (message) { control.setAttribute("aria-invalid", "true"); } else { control.removeAttribute("aria-invalid"); }
    }
    var line = document.querySelector('.error-summary li[data-field="' + id + '"]');
    if (line) {
      if (message) { line.querySelector(".summary-message").textContent = message; } else { line.remove(); }
    }
    var summary = document.querySelector(".error-summary");
    if (summary && !summary.querySelector("li")) {
      summary.remove();
      if (!document.querySelector(".notice-error, .field-invalid")) {
        document.title = document.body.getAttribute("data-title") || document.title;
      }
    }
  }

  document.addEventListener("htmx:afterSwap", function (e) {
    var t = e.detail.target;
    if (t && t.classList && t.classList.contains("field-error")) { syncField(t); }
  });

  // New content (a swapped-in block, even one that replaced its target) gets its
  // countdowns and buttons too.
  document.addEventListener("htmx:load", function (e) {
    startCountdowns(e.detail.elt);
    wireButtons(e.detail.elt);
  });

  // Ticking a box or choosing a radio answers its own error at once.
  document.addEventListener("change", function (e) {
    var input = e.target;
    if (!input || (input.type !== "checkbox" && input.type !== "radio")) { return; }
    var field = input.closest(".field");
    var errorEl = field && field.querySelector(".field-error");
    if (errorEl && field.classList.contains("field-invalid") && (input.checked || input.type === "radio")) {
      errorEl.textContent = "";
      syncField(errorEl);
    }
  });

  // --- Countdowns ------------------------------------------------------------
  // Count down from the server's number; at 0 enable the button the element names,
  // say so once (politely), and let htmx ask the server again ("countdown-done").
  function startCountdowns(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var els = Array.prototype.slice.call(scope.querySelectorAll("[data-countdown]"));
    if (scope.hasAttribute && scope.hasAttribute("data-countdown")) { els.push(scope); }
    els.forEach(function (el) {
      if (el.getAttribute("data-started")) { return; }
      el.setAttribute("data-started", "1");
      var left = parseInt(el.getAttribute("data-countdown"), 10) || 0;
      var button = byId(el.getAttribute("data-enables"));
      if (left <= 0) { return; }
      if (button) { button.disabled = true; }
      var timer = setInterval(function () {
        left -= 1;
        var secs = el.querySelector(".countdown-seconds");
        if (secs) { secs.textContent = String(Math.max(left, 0)); }
        if (left > 0) { return; }
        clearInterval(timer);
        if (!document.body.contains(el)) { return; }
        if (button) { button.disabled = false; }
        var done = el.getAttribute("data-done");
        if (done) {
          el.textContent = done;
          var live = byId(el.id + "-live");
          if (live) { live.textContent = done; }
        }
        if (window.htmx) { window.htmx.trigger(el, "countdown-done"); }
      }, 1000);
    });
  }

  // --- Buttons that need JavaScript ------------------------------------------
  function wireButtons(root) {
    var scope = root && root.querySelectorAll ? root : document;
    scope.querySelectorAll(".show-password[hidden]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var input = byId(button.getAttribute("aria-controls"));
        var show = input.type === "password";
        input.type = show ? "text" : "password";
        button.setAttribute("aria-pressed", show ? "true" : "false");
        button.textContent = button.getAttribute(show ? "data-hide" : "data-show");
      });
    });
    // While the code is on its way, asking for another one waits (the server says so too).
    scope.querySelectorAll("button[data-wait]").forEach(function (button) { button.disabled = true; });
    if (!navigator.clipboard) { return; }
    scope.querySelectorAll(".copy-button[hidden]").forEach(function (button) {
      button.hidden = false;
      var label = button.textContent;
      button.addEventListener("click", function () {
        var source = byId(button.getAttribute("data-copy-from"));
        navigator.clipboard.writeText(source.getAttribute("data-copy") || source.value || source.textContent).then(function () {
          button.textContent = button.getAttribute("data-copied");
          setTimeout(function () { button.textContent = label; }, 2000);
        });
      });
    });
  }

  // --- What is typed survives a language switch or a look at a help page -----
  // Kept in this tab's sessionStorage per form, never passwords or codes, and
  // forgotten when the form is sent.
  var DRAFTS = "ed24-drafts";

  function draftable(el) {
    return el.name && el.name !== "csrf_token" && el.type !== "password" && el.type !== "hidden" &&
      el.type !== "submit" && el.autocomplete !== "one-time-code" && !el.hasAttribute("data-no-draft");
  }

  // The same form in the other language has the same key: /ru/… and /kk/… share it.
  function draftKey(form) { return (form.getAttribute("action") || "").replace(/^\/(ru|kk)\//, "/"); }

  function drafts() {
    try { return JSON.parse(sessionStorage.getItem(DRAFTS) || "{}"); } catch (err) { return {}; }
  }

  function saveDraft(form) {
    var all = drafts(), values = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!draftable(el)) { return; }
      if (el.type === "checkbox" || el.type === "radio") { if (el.checked) { values[el.name + "=" + el.value] = true; } }
      else if (el.value) { values[el.name] = el.value; }
    });
    all[draftKey(form)] = values;
    try { sessionStorage.setItem(DRAFTS, JSON.stringify(all)); } catch (err) { /* storage full or off */ }
  }

  function restoreDrafts() {
    var all = drafts();
    document.querySelectorAll("form[action]").forEach(function (form) {
      var values = all[draftKey(form)];
      if (!values) { return; }
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!draftable(el)) { return; }
        if (el.type === "checkbox" || el.type === "radio") {
          if (values[el.name + "=" + el.value] && !form.querySelector('[name="' + el.name + '"]:checked')) { el.checked = true; }
        } else if (!el.value && values[el.name]) { el.value = values[el.name]; }
      });
    });
  }

  document.addEventListener("input", function (e) { if (e.target.form && draftable(e.target)) { saveDraft(e.target.form); } });
  document.addEventListener("change", function (e) { if (e.target.form && draftable(e.target)) { saveDraft(e.target.form); } });
  document.addEventListener("submit", function (e) {
    var all = drafts();
    delete all[draftKey(e.target)];
    try { sessionStorage.setItem(DRAFTS, JSON.stringify(all)); } catch (err) { /* nothing kept */ }
  });

  // --- Enter in a new password moves on to "Повторите пароль" while it is empty -----
  document.addEventListener("keydown", function (e) {
    var input = e.target;
    if (e.key !== "Enter" || !input || input.name !== "password" || !input.form) { return; }
    var repeat = input.form.querySelector('input[name="password_repeat"]');
    if (repeat && !repeat.value) { e.preventDefault(); repeat.focus(); }
  });

  // --- WebOTP: Chrome on Android offers the code from the SMS ("@host #123456") ----
  function askForSmsCode() {
    var form = document.querySelector("form[data-web-otp]");
    if (!form || !("OTPCredential" in window) || !navigator.credentials) { return; }
    var input = form.querySelector('input[autocomplete="one-time-code"]');
    if (!input) { return; }
    var stop = new AbortController();
    form.addEventListener("submit", function () { stop.abort(); });
    navigator.credentials.get({otp: {transport: ["sms"]}, signal: stop.signal}).then(function (otp) {
      if (otp && otp.code && !input.value) { input.value = otp.code; form.requestSubmit(); }
    }).catch(function () { /* not offered, or the parent typed it */ });
  }

  document.addEventListener("DOMContentLoaded", function () {
    askForSmsCode();
    restoreDrafts();
    startCountdowns(document);
    wireButtons(document);
    var target = document.querySelector("[data-focus-on-load]");
    if (target) { target.focus(); }
  });
})();
