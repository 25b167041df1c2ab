// The live Markdown preview (htmx, forum/includes/markdown_field.html). A refused preview (too
// long, too big a table, too many previews in a minute, not allowed) answers 400, 403 or 429 with
// a sentence for the preview area; htmx leaves 4xx answers unshown by default, which would keep a
// stale preview on screen with no word of why. No inline handlers: the CSP allows files only.
(function () {
  "use strict";

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var status = event.detail.xhr.status;
    if (target && /_preview$/.test(target.id) && status >= 400 && status < 500) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
