// Follow a large import's progress on its page: ask the server where it is every two seconds and move the bar;
// once it has ended, load the page again to show the result or the problems. Without JavaScript the page
// reloads itself (its <noscript> refresh).
(function () {
  "use strict";
  var box = document.getElementById("import-job");
  var url = box && box.getAttribute("data-progress-url");
  if (!url || !window.fetch) return;
  var bar = document.getElementById("job-bar");
  var state = document.getElementById("job-state");
  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (job) {
        if (!job) { setTimeout(poll, 5000); return; }
        if (job.finished) { window.location.reload(); return; }
        if (bar) { bar.max = job.rows_total || 1; bar.value = job.rows_done; bar.textContent = job.rows_done + " / " + (job.rows_total || "?"); }
        state.textContent = job.text;
        setTimeout(poll, 2000);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();
