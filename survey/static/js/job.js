// Follow a job: ask its state every two seconds (every five after a minute), say a new
// step once in the page's polite live region (the percentage only moves the bar), and
// reload the page when the job ends (to its result, its file or its reason). Without
// JavaScript the page's "Check again" link does the same by hand.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || !box.getAttribute("data-state")) { return; }
  var url = box.getAttribute("data-state");
  var state = document.getElementById("job-state");
  var bar = document.getElementById("job-progress");
  var started = Date.now();
  var said = state.textContent.replace(/\s*\(\d+%\)\.?\s*$/, "").trim();

  function ask() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) { return later(); }
        if (job.ended) { window.location.reload(); return; }
        if (bar) { bar.value = job.percent; bar.textContent = job.percent + "%"; }
        var step = job.message.replace(/\s*\(\d+%\)\.?\s*$/, "").trim();
        if (step !== said) { state.textContent = job.message; said = step; }
        later();
      })
      .catch(later);
  }

  function later() {
    window.setTimeout(ask, Date.now() - started > 60000 ? 5000 : 2000);
  }

  later();
})();
