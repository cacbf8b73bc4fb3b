/* Autosave of the unit report draft (progressive enhancement over htmx).

   The form carries hx-post/hx-trigger: htmx posts it to the autosave endpoint a moment after
   each change and puts the answer in the status line; a save also swaps in the report's new
   version, so the next save (or "Lưu nháp") carries it. This file adds what attributes cannot:
   - a 409 (someone saved first, or the report can no longer be edited) and a 422 (a field to
     correct) are shown like any answer, and after a 409 autosave stops: the user decides;
   - pressing "Lưu nháp" or "Gửi báo cáo" stops autosave, and waits for an autosave in flight,
     so the two never race each other with the same version. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.htmx) { return; }
  var status = document.getElementById(form.getAttribute("data-autosave"));
  var stopped = false, inFlight = false, pending = null;

  function say(text) { if (status) { status.textContent = text; } }

  say(form.getAttribute("data-autosave-idle") || "");
  form.addEventListener("htmx:confirm", function (evt) {
    if (stopped) { evt.preventDefault(); }
  });
  form.addEventListener("htmx:beforeRequest", function () {
    inFlight = true;
    say(form.getAttribute("data-autosave-saving") || "");
  });
  form.addEventListener("htmx:beforeSwap", function (evt) {
    var code = evt.detail.xhr.status;
    if (code === 409 || code === 422) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
    if (code === 409) { stopped = true; }
  });
  form.addEventListener("htmx:afterRequest", function (evt) {
    inFlight = false;
    var code = evt.detail.xhr ? evt.detail.xhr.status : 0;
    if (!evt.detail.successful && code !== 409 && code !== 422) {
      say(form.getAttribute("data-autosave-failed") || "");
    }
    if (pending) {
      var submitter = pending.submitter;
      pending = null;
      if (form.requestSubmit) { form.requestSubmit(submitter || undefined); } else { form.submit(); }
    }
  });
  form.addEventListener("submit", function (evt) {
    stopped = true;
    if (inFlight) {
      evt.preventDefault();
      pending = { submitter: evt.submitter || null };
    }
  });
}());
