// The proposal page's action bar: a button that has a form opens it in place, instead of reloading the
// page with ?do= (which is what it does without JavaScript). One form is open at a time.
(function () {
  "use strict";
  var bar = document.getElementById("actions");
  if (!bar) return;
  var openers = bar.querySelectorAll("[data-opens]");

  function show(id) {
    openers.forEach(function (button) {
      var panel = document.getElementById(button.getAttribute("data-opens"));
      var open = button.getAttribute("data-opens") === id;
      if (panel) panel.hidden = !open;
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
    var shown = id && document.getElementById(id);
    if (shown) {
      var first = shown.querySelector("input:not([type=hidden]), select, textarea");
      (first || shown).focus();
    }
  }

  openers.forEach(function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var id = button.getAttribute("data-opens");
      show(button.getAttribute("aria-expanded") === "true" ? null : id);
    });
  });
  bar.querySelectorAll("[data-closes]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var id = link.getAttribute("data-closes");
      show(null);
      var opener = bar.querySelector('[data-opens="' + id + '"]');
      if (opener) opener.focus();
    });
  });
})();
