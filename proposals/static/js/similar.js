// While the author types a title, list proposals with similar titles (重复提案 detection).
// Without JavaScript the list still appears after saving the draft.
(function () {
  "use strict";
  var box = document.getElementById("similar-box");
  var title = document.getElementById("title");
  if (!box || !title || !window.fetch) return;
  var timer = null;
  var last = "";
  title.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var text = title.value.trim();
      if (text === last) return;
      last = text;
      var url = box.getAttribute("data-similar-url") + "?title=" + encodeURIComponent(text);
      fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) { box.innerHTML = html; });
    }, 400);
  });
})();
