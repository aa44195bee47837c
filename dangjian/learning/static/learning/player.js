// The lesson player: reports progress to /api/v1/learning/progress and resumes where the learner
// left off (on any device). It reports the stretch played since its last report; the server
// decides what to credit (dangjian/learning/progress.py), so nothing here is trusted. Offline,
// reports wait in localStorage and go to the batch endpoint when the network is back.
(function () {
  "use strict";
  const box = document.getElementById("lesson-player");
  if (!box) return;
  const url = box.dataset.url;
  const lesson = Number(box.dataset.lesson);
  const every = Math.max(Number(box.dataset.heartbeat) || 10, 2) * 1000;
  const csrf = (box.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";
  const status = document.getElementById("lesson-status");
  let startClock = function () {};

  const batchUrl = box.dataset.batchUrl;
  const QUEUE = "dj-learning-queue";      // reports made offline, waiting to be sent (all lessons)
  const store = (function () { try { return window.localStorage; } catch (e) { return null; } })();

  function randomId() {
    const a = new Uint32Array(3);
    window.crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (n) { return n.toString(36); }).join("-");
  }
  // This device's id and a rising report number: the server ignores a report that arrives after
  // a later one of the same device, so a slow network can never move the resume position back.
  const device = (function () {
    let id = store && store.getItem("dj-learning-device");
    if (!id) { id = randomId(); if (store) store.setItem("dj-learning-device", id); }
    return id;
  })();
  let lastSeq = 0;
  function nextSeq() {
    const stored = store ? Number(store.getItem("dj-learning-seq")) || 0 : 0;
    lastSeq = Math.max(Date.now(), stored + 1, lastSeq + 1);
    if (store) store.setItem("dj-learning-seq", String(lastSeq));
    return lastSeq;
  }
  function queued() {
    try { return JSON.parse((store && store.getItem(QUEUE)) || "[]"); } catch (e) { return []; }
  }
  function keep(list) { if (store) store.setItem(QUEUE, JSON.stringify(list.slice(-2000))); }
  function enqueue(body) { const list = queued(); list.push(body); keep(list); }

  function show(out) {
    if (!out || !status) return;
    const pct = Math.round(out.coverage * 100);
    status.textContent = (out.completed ? box.dataset.textDone : box.dataset.textSeen).replace("__PCT__", pct);
    status.dataset.coverage = String(pct);
  }

  // Reports made offline go to the batch endpoint once the network is back, oldest first, with
  // the time they were made; the server still bounds them by its own clock (progress.py).
  let syncing = null;
  function sync() {
    if (syncing || !batchUrl) return syncing;
    const list = queued();
    if (!list.length) return null;
    const chunk = list.slice(0, 500);
    syncing = fetch(batchUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf }, body: JSON.stringify({ reports: chunk }),
    }).then(function (r) {
      if (r.ok || (r.status >= 400 && r.status < 500 && r.status !== 401 && r.status !== 403 && r.status !== 408 && r.status !== 429)) {
        // sent (or refused for good: a batch that can never be accepted must not block the rest)
        const sent = {};
        chunk.forEach(function (x) { sent[x.id] = true; });
        keep(queued().filter(function (x) { return !sent[x.id]; }));
      }
      return r.ok ? r.json() : null;
    }).then(function (out) {
      if (out && out.results) {
        const mine = out.results.filter(function (x) { return x.lesson === lesson && !x.stale; });
        if (mine.length) show(mine[mine.length - 1]);
      }
      box.dataset.synced = String(queued().length === 0);
    }).catch(function () { return null; }).then(function () {
      syncing = null;
      if (queued().length && navigator.onLine !== false) window.setTimeout(sync, 2000);
    });
    return syncing;
  }
  window.addEventListener("online", function () { sync(); });

  // Reports go one after another (two in flight could still reach a busy server out of order;
  // the report numbers make that harmless). A page being left sends at once.
  let queue = Promise.resolve(null);
  function send(body, keepalive) {
    body.lesson = lesson;
    body.id = randomId();
    body.device = device;
    body.seq = nextSeq();
    const made = new Date().toISOString();
    if (queued().length || navigator.onLine === false) {  // offline, or older reports still waiting
      enqueue(Object.assign({ at: made }, body));
      box.dataset.synced = "false";
      sync();
      return Promise.resolve(null);
    }
    if (keepalive) return post(body, made, true);
    queue = queue.then(function () { return post(body, made, false); });
    return queue;
  }

  function post(body, made, keepalive) {
    return fetch(url, {
      method: "POST", credentials: "same-origin", keepalive: !!keepalive,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf }, body: JSON.stringify(body),
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (out) {
      show(out);
      return out;
    }).catch(function () {
      // no network: keep it for later (its id makes a copy that did arrive count once)
      enqueue(Object.assign({ at: made }, body));
      box.dataset.synced = "false";
      return null;
    });
  }
  if (navigator.onLine !== false) sync();

  // Download for offline use: the lesson's pages, its media and this script go into the cache the
  // site's service worker answers from when the network is gone (core/templates/core/sw.js).
  const download = document.getElementById("lesson-download");
  const urlsEl = document.getElementById("lesson-offline-urls");
  const offlineNote = document.getElementById("lesson-offline");
  if (download && urlsEl && "caches" in window && "serviceWorker" in navigator) {
    const urls = JSON.parse(urlsEl.textContent || "[]");
    const DOWNLOADS = "dj-downloads-v1";
    const say = function (text) { if (offlineNote) offlineNote.textContent = text; };
    caches.open(DOWNLOADS).then(function (cache) { return cache.match(urls[0], { ignoreVary: true }); }).then(function (hit) {
      if (hit) { say(download.dataset.textDone); box.dataset.downloaded = "true"; }
    });
    download.hidden = false;
    download.addEventListener("click", function () {
      download.disabled = true;
      say(download.dataset.textBusy);
      // one file after another (a phone's link is the limit anyway), each tried three times
      function fetchInto(cache, u, tries) {
        return fetch(u, { credentials: "same-origin" }).then(function (r) {
          if (!r.ok) throw new Error(u + ": " + r.status);
          return cache.put(u, r);
        }).catch(function (err) {
          if (tries <= 1) throw err;
          return new Promise(function (done) { window.setTimeout(done, 700); }).then(function () {
            return fetchInto(cache, u, tries - 1);
          });
        });
      }
      // offline progress is bounded from the server's time of this report (decision 0007)
      Promise.resolve(startClock()).then(function () { return caches.open(DOWNLOADS); }).then(function (cache) {
        return urls.reduce(function (done, u) {
          return done.then(function () { return fetchInto(cache, u, 3); });
        }, Promise.resolve());
      }).then(function () {
        say(download.dataset.textDone);
        box.dataset.downloaded = "true";
      }).catch(function () {
        say(download.dataset.textFailed);
      }).then(function () { download.disabled = false; });
    });
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
    startClock = function () {
      const at = Math.round(media.currentTime * 10) / 10;
      return send({ start_s: at, position_s: at, rate: media.playbackRate });
    };
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
  function beat() { return send({ page: page }); }
  startClock = function () { return beat(); };
  function start() { if (!timer) { beat(); timer = window.setInterval(beat, every); } }
  function stop() { if (timer) { window.clearInterval(timer); timer = null; beat(); } }
  document.addEventListener("visibilitychange", function () { if (document.hidden) stop(); else start(); });
  if (!document.hidden) start();
})();
