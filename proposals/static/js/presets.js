// The presets of the session form (proposals/presets.py): a button fills the settings it names; the
// union may change any of them after. Without JavaScript the fields are filled in by hand.
(function () {
  "use strict";
  function fill(form, values) {
    Object.keys(values).forEach(function (name) {
      var value = values[name];
      form.querySelectorAll('[name="' + name + '"]').forEach(function (input) {
        if (input.type === "radio") {
          input.checked = input.value === String(value);
        } else if (input.type === "checkbox") {
          input.checked = Boolean(value);
        } else {
          input.value = String(value);
        }
        input.dispatchEvent(new Event("change", { bubbles: true }));
      });
    });
  }
  document.querySelectorAll("[data-preset]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var form = button.closest("form");
      fill(form, JSON.parse(button.getAttribute("data-preset")));
      var status = document.getElementById("preset-status");
      if (status) {
        status.textContent = button.getAttribute("data-filled");
      }
    });
  });
})();
