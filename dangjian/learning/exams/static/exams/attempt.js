// The exam clock: counts down from the server's remaining seconds and submits the paper when the
// time is up (the server refuses late answers anyway and marks the attempt at its deadline).
(function () {
  "use strict";
  var clock = document.getElementById("exam-clock");
  var form = document.getElementById("exam-paper");
  if (!clock || !form) { return; }
  var end = Date.now() + parseInt(clock.getAttribute("data-remaining"), 10) * 1000;
  var sent = false;
  function tick() {
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    var m = Math.floor(left / 60), s = left % 60;
    clock.textContent = m + ":" + (s < 10 ? "0" : "") + s;
    if (left === 0 && !sent) {
      sent = true;
      var flag = document.createElement("input");
      flag.type = "hidden"; flag.name = "submit"; flag.value = "1";
      form.appendChild(flag);
      form.submit();
      return;
    }
    window.setTimeout(tick, 1000);
  }
  tick();
}());
