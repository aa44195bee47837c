// The lesson player: reports progress to /api/v1/learning/progress and resumes where the learner
// left off (on any device). It reports the stretch played since its last report; the server
// decides what to credit (dangjian/learning/progress.py), so nothing here is trusted.
(function () {
  "use strict";
  const box = document.getElementById("lesson-player");
  if (!box) return;
  const url = box.dataset.url;
  const lesson = Number(box.dataset.lesson);
  const every = Math.max(Number(box.dataset.heartbeat) || 10, 2) * 1000;
  const csrf = (box.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";
  const status = document.getElementById("lesson-status");

  // Reports go one after another: two in flight at once could reach a busy server out of order,
  // and the older one would move the resume position back. A page being left sends at once.
  let queue = Promise.resolve(null);
  function send(body, keepalive) {
    if (keepalive) return post(body, true);
    queue = queue.then(function () { return post(body, false); });
    return queue;
  }

  function post(body, keepalive) {
    body.lesson = lesson;
    return fetch(url, {
      method: "POST", credentials: "same-origin", keepalive: !!keepalive,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf }, body: JSON.stringify(body),
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (out) {
      if (out && status) {
        const pct = Math.round(out.coverage * 100);
        status.textContent = (out.completed ? box.dataset.textDone : box.dataset.textSeen).replace("__PCT__", pct);
        status.dataset.coverage = String(pct);
      }
      return out;
    }).catch(function () { return null; });
  }

  const media = document.getElementById("lesson-media");
  if (media) {
    let segStart = null;   // where the stretch not yet reported began
    let lastTime = 0;      // the playhead at the last timeupdate (before a seek moves it)
    let lastSent = 0;
    const resumeAt = Number(box.dataset.position) || 0;

    function flush(keepalive) {
      if (segStart === null) return;
      const pos = lastTime;
      send({ start_s: segStart, position_s: pos, rate: media.playbackRate }, keepalive);
      segStart = pos;
      lastSent = Date.now();
    }
    function anchor() {
      lastTime = media.currentTime;
      segStart = lastTime;
      lastSent = Date.now();
      send({ start_s: lastTime, position_s: lastTime, rate: media.playbackRate });
    }
    function resume() {
      if (resumeAt > 0 && resumeAt < (media.duration || Infinity) - 1) media.currentTime = resumeAt;
      lastTime = media.currentTime;
    }
    // the metadata may have arrived before this script ran: then its event is gone, resume now
    if (media.readyState >= 1) resume();
    else media.addEventListener("loadedmetadata", resume, { once: true });
    media.addEventListener("playing", anchor);
    media.addEventListener("timeupdate", function () {
      if (media.seeking) return;
      lastTime = media.currentTime;
      if (!media.paused && segStart !== null && Date.now() - lastSent >= every) flush();
    });
    media.addEventListener("seeking", function () { flush(); segStart = null; });
    media.addEventListener("seeked", function () { if (!media.paused) anchor(); else lastTime = media.currentTime; });
    media.addEventListener("pause", function () { flush(); segStart = null; });
    media.addEventListener("ended", function () { lastTime = media.currentTime; flush(); segStart = null; });
    media.addEventListener("ratechange", function () { if (segStart !== null) { flush(); } });
    window.addEventListener("pagehide", function () {
      if (segStart !== null) { lastTime = media.currentTime; flush(true); }
    });
    return;
  }

  // Articles and PDF slides: the page on screen, every few seconds while the tab is visible.
  const page = Number(box.dataset.page) || 1;
  let timer = null;
  function beat() { send({ page: page }); }
  function start() { if (!timer) { beat(); timer = window.setInterval(beat, every); } }
  function stop() { if (timer) { window.clearInterval(timer); timer = null; beat(); } }
  document.addEventListener("visibilitychange", function () { if (document.hidden) stop(); else start(); });
  if (!document.hidden) start();
})();
