// Web push subscription for the notification settings page (no inline script: strict CSP).
// Expects a service worker registered by the site (navigator.serviceWorker.ready) whose "push"
// handler shows {title, body, url} and whose "notificationclick" handler opens url.
(function () {
  "use strict";

  var box = document.querySelector("[data-push]");
  if (!box) { return; }
  var subscribeBtn = box.querySelector("[data-push-subscribe]");
  var unsubscribeBtn = box.querySelector("[data-push-unsubscribe]");
  var statusEl = box.querySelector("[data-push-status]");

  function say(key) { statusEl.textContent = box.getAttribute("data-msg-" + key) || ""; }

  function csrfToken() {
    var input = box.querySelector("input[name=csrfmiddlewaretoken]") ||
      document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) { return input.value; }
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function keyBytes(base64url) {
    var padded = base64url + "=".repeat((4 - (base64url.length % 4)) % 4);
    var raw = atob(padded.replace(/-/g, "+").replace(/_/g, "/"));
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out;
  }

  function post(url, data) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(data)
    }).then(function (resp) {
      if (!resp.ok) { throw new Error("HTTP " + resp.status); }
      return resp.json();
    });
  }

  function show(subscribed) {
    subscribeBtn.hidden = subscribed;
    unsubscribeBtn.hidden = !subscribed;
  }

  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    say("unsupported");
    return;
  }

  function registration() { return navigator.serviceWorker.ready; }

  registration().then(function (reg) { return reg.pushManager.getSubscription(); })
    .then(function (sub) { show(Boolean(sub)); if (sub) { say("subscribed"); } })
    .catch(function () { say("unsupported"); });

  subscribeBtn.addEventListener("click", function () {
    subscribeBtn.disabled = true;
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { say("denied"); return null; }
      return registration().then(function (reg) {
        return reg.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: keyBytes(box.getAttribute("data-vapid-key"))
        });
      }).then(function (sub) {
        return post(box.getAttribute("data-subscribe-url"), sub.toJSON());
      }).then(function () { show(true); say("subscribed"); });
    }).catch(function () { say("failed"); })
      .then(function () { subscribeBtn.disabled = false; });
  });

  unsubscribeBtn.addEventListener("click", function () {
    unsubscribeBtn.disabled = true;
    registration().then(function (reg) { return reg.pushManager.getSubscription(); })
      .then(function (sub) {
        if (!sub) { return null; }
        return post(box.getAttribute("data-unsubscribe-url"), { endpoint: sub.endpoint })
          .then(function () { return sub.unsubscribe(); });
      })
      .then(function () { show(false); say("unsubscribed"); })
      .catch(function () { say("failed"); })
      .then(function () { unsubscribeBtn.disabled = false; });
  });
}());
