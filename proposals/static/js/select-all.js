// A "select all" check box in a table's header: it checks or clears every box of its name in its form,
// and shows itself checked when all are (the review and bulk-assignment pages). Without JavaScript the
// boxes are checked one by one, so the header box stays hidden.
(function () {
  "use strict";
  document.querySelectorAll("input[data-select-all]").forEach(function (all) {
    var form = all.form || all.closest("form");
    if (!form) return;
    var name = all.getAttribute("data-select-all");
    var boxes = function () { return form.querySelectorAll('input[type="checkbox"][name="' + name + '"]'); };
    var wrap = all.closest("[hidden]");
    if (wrap) wrap.hidden = false;
    var sync = function () {
      var list = boxes(), checked = 0;
      list.forEach(function (b) { if (b.checked) checked += 1; });
      all.checked = list.length > 0 && checked === list.length;
      all.indeterminate = checked > 0 && checked < list.length;
    };
    all.addEventListener("change", function () {
      boxes().forEach(function (b) { b.checked = all.checked; });
    });
    boxes().forEach(function (b) { b.addEventListener("change", sync); });
    sync();
  });
})();
