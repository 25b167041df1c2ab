// What htmx would otherwise do with inline JavaScript (hx-on handlers, [filter] triggers), which
// the Content-Security-Policy forbids: htmx runs with allowEval off (the htmx-config meta tag in
// templates/base.html), and these listeners, on the document, do that work for every page.
(function () {
  "use strict";

  // Pollers (the bell, a question's live answers) ask only while their tab is in view: a hidden
  // tab skips its turn, and the next one after it comes back asks again.
  document.addEventListener("htmx:confirm", function (event) {
    const poller = event.detail.elt;
    if (poller.hasAttribute("data-poll-while-visible") && document.visibilityState !== "visible") {
      event.preventDefault();
    }
  });

  // A refused "also helped" mark (a fourth one) answers 400 with the answers section and the
  // reason in it: htmx leaves error responses unswapped unless told, so it is told, for that
  // form only.
  document.addEventListener("htmx:beforeSwap", function (event) {
    const form = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (event.detail.xhr.status === 400 && form && form.closest(".also-helped-form")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // "N new answers — show" redraws the answers section and is gone with it: focus goes to the
  // section's heading rather than to the top of the page.
  document.addEventListener("htmx:afterSettle", function (event) {
    const link = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!link || !link.classList.contains("live-answers-show")) return;
    const heading = document.getElementById("answers-heading");
    if (heading) {
      heading.tabIndex = -1;
      heading.focus();
    }
  });
})();
