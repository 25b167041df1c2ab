// The header's menus, for keyboard and pointer users alike. No inline handlers: a strict Content
// Security Policy allows this file and nothing inline. The "Menu" panel is a popover and needs none
// of this; the user menu is a <details> that opens and closes without JavaScript, and this adds
// what people expect of a menu on top: Escape closes it and gives focus back to its button, and a
// click or focus anywhere else closes it.
(function () {
  "use strict";

  function openMenus() {
    return document.querySelectorAll("details.menu[open]");
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || event.defaultPrevented) return;
    openMenus().forEach(function (menu) {
      menu.open = false;
      if (menu.contains(document.activeElement) || document.activeElement === document.body) {
        menu.querySelector("summary").focus();
      }
      event.preventDefault();
    });
  });

  function closeOthers(event) {
    openMenus().forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  }
  document.addEventListener("click", closeOthers);
  document.addEventListener("focusin", closeOthers);
})();
