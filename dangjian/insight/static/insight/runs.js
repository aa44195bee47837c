/* The run list: a queued or running run's state and progress, refreshed every 2.5 s from its
 * progress view (JSON) until it is done or failed, without reloading the page. CSP: loaded from
 * 'self', no inline script. Rows carry data-progress-url only while their run is unfinished. */
(function () {
  "use strict";
  var DELAY = 2500;

  function watch(row) {
    var url = row.getAttribute("data-progress-url");
    var bar = row.querySelector("progress");
    var pct = row.querySelector(".run-percent");
    var state = row.querySelector(".run-state");
    var texts = row.querySelector(".run-texts");
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (d) {
          if (!d) return;
          if (bar) bar.value = d.progress;
          if (pct) pct.textContent = d.progress + "%";
          if (state) state.textContent = d.state_label;
          if (texts) texts.textContent = d.texts;
          row.setAttribute("data-state", d.state);
          if (d.done) {
            row.removeAttribute("data-progress-url");
            var link = row.querySelector(".run-diff[hidden]");
            if (link && d.state === "done") link.hidden = false;
            return;
          }
          window.setTimeout(tick, DELAY);
        })
        .catch(function () { window.setTimeout(tick, DELAY * 2); });
    }
    window.setTimeout(tick, DELAY);
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("#run-list tr[data-progress-url]"), watch);
  });
})();
