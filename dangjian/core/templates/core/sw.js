/* Dangjian Cloud service worker (served by core.views.service_worker at /sw.js, scope "/").
   - the app shell (CSS, JS, icons, the offline page) is cached at install;
   - pages: network first; a page seen before is shown from the cache when offline,
     else the offline page. Pages are kept only while signed in: signing out clears them;
   - static files: cache first, refreshed in the background;
   - everything else (API, POSTs, downloads) goes straight to the network;
   - web push (core.notifications.channels.webpush): the payload is JSON
     {"title", "body", "url", "tag"}; a click opens or focuses the (same-site) url. */
"use strict";
var VERSION = "{{ version|escapejs }}";
var SHELL_CACHE = "dj-shell-" + VERSION;
var PAGE_CACHE = "dj-pages-v1";
var OFFLINE_URL = "{{ offline_url|escapejs }}";
var SHELL = [OFFLINE_URL{% for url in shell %}, "{{ url|escapejs }}"{% endfor %}];
var ICON = "{{ icon|escapejs }}";
var DEFAULT_TITLE = "{{ platform_name|escapejs }}";
var NO_CACHE_PREFIXES = ["/accounts/", "/api/", "/django-admin/", "/admin/", "/members/excel/", "/sw.js", "/healthz"];

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL_CACHE).then(function (cache) { return cache.addAll(SHELL); }).then(function () {
      return self.skipWaiting();
    })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.map(function (key) {
        if (key.indexOf("dj-shell-") === 0 && key !== SHELL_CACHE) return caches.delete(key);
        return null;
      }));
    }).then(function () { return self.clients.claim(); })
  );
});

function skipCache(url) {
  return NO_CACHE_PREFIXES.some(function (p) { return url.pathname.indexOf(p) === 0; });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/accounts/logout/") === 0 || url.pathname.indexOf("/accounts/login/") === 0) {
    // Signing out or in: forget the pages kept for offline reading (they may hold personal data).
    event.waitUntil(caches.delete(PAGE_CACHE));
    return;
  }
  if (request.method !== "GET") return;

  if (request.mode === "navigate") {
    if (skipCache(url)) return;
    event.respondWith(
      fetch(request).then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        var cc = response.headers.get("Cache-Control") || "";
        if (response.ok && response.type === "basic" && type.indexOf("text/html") === 0 && cc.indexOf("no-store") === -1) {
          var copy = response.clone();
          caches.open(PAGE_CACHE).then(function (cache) { cache.put(request, copy); });
        }
        return response;
      }).catch(function () {
        return caches.match(request).then(function (cached) {
          return cached || caches.match(OFFLINE_URL);
        });
      })
    );
    return;
  }

  if (url.pathname.indexOf("{{ static_prefix|default:'/static/'|escapejs }}") === 0) {
    event.respondWith(
      caches.open(SHELL_CACHE).then(function (cache) {
        return cache.match(request).then(function (cached) {
          var refresh = fetch(request).then(function (response) {
            if (response.ok) cache.put(request, response.clone());
            return response;
          });
          if (cached) {
            event.waitUntil(refresh.catch(function () {}));
            return cached;
          }
          return refresh;
        });
      })
    );
  }
});

self.addEventListener("push", function (event) {
  var data = {};
  if (event.data) {
    try { data = event.data.json(); } catch (e) { data = { body: event.data.text() }; }
  }
  event.waitUntil(self.registration.showNotification(data.title || DEFAULT_TITLE, {
    body: data.body || "",
    tag: data.tag || undefined,
    icon: ICON,
    badge: ICON,
    lang: "{{ lang|escapejs }}",
    data: { url: data.url || "/" }
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin);
  if (target.origin !== self.location.origin) target = new URL("/", self.location.origin);
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (list) {
      for (var i = 0; i < list.length; i++) {
        if (list[i].url === target.href && "focus" in list[i]) return list[i].focus();
      }
      return self.clients.openWindow(target.href);
    })
  );
});
