/* Dangjian Cloud service worker (served by core.views.service_worker at /sw.js, scope "/").
   - the app shell (CSS, JS, icons, the offline page) is cached at install;
   - pages: network first; a page seen before is shown from the cache when offline,
     else the offline page. Pages are kept only while signed in: signing out clears them;
   - static files: cache first, refreshed in the background;
   - downloads for offline use: a page puts URLs into the cache DOWNLOAD_CACHE itself (the party
     school's "download this lesson"); a downloaded page is shown from it when offline, other
     downloaded files (media) are answered from it first, with byte ranges cut from the copy;
     signing out or in clears it like the pages;
   - everything else (API, POSTs, file downloads) goes straight to the network;
   - web push (core.notifications.channels.webpush): the payload is JSON
     {"title", "body", "url", "tag"}; a click opens or focuses the (same-site) url. */
"use strict";
var VERSION = "{{ version|escapejs }}";
var SHELL_CACHE = "dj-shell-" + VERSION;
var PAGE_CACHE = "dj-pages-v1";
var DOWNLOAD_CACHE = "dj-downloads-v1";
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
    event.waitUntil(Promise.all([caches.delete(PAGE_CACHE), caches.delete(DOWNLOAD_CACHE)]));
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
          return cached || downloaded(request);
        }).then(function (cached) {
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
          return refresh.catch(function (err) {
            return downloaded(request).then(function (copy) { if (copy) return copy; throw err; });
          });
        });
      })
    );
    return;
  }

  // sound and pictures of a media element: a downloaded copy first (only these are looked up, so
  // no other request pays for the lookup)
  if (request.destination !== "video" && request.destination !== "audio") return;
  if (skipCache(url)) return;
  event.respondWith(
    downloaded(request).then(function (copy) {
      return copy ? withRange(request, copy) : fetch(request);
    })
  );
});

// A downloaded copy of the request's URL, or undefined (Vary is ignored: the page stored it).
function downloaded(request) {
  return caches.open(DOWNLOAD_CACHE).then(function (cache) {
    return cache.match(request.url, { ignoreVary: true, ignoreSearch: false });
  });
}

// A media element asks for byte ranges: cut them from the downloaded copy (one range; anything
// else gets the whole file, as the server itself answers).
function withRange(request, copy) {
  var range = request.headers.get("Range");
  var m = range && /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  if (!m || (m[1] === "" && m[2] === "")) return copy;
  return copy.arrayBuffer().then(function (body) {
    var size = body.byteLength;
    var start, end;
    if (m[1] === "") {
      start = Math.max(size - Number(m[2]), 0);
      end = size - 1;
    } else {
      start = Number(m[1]);
      end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
    }
    if (start >= size || start > end) {
      return new Response("", { status: 416, headers: { "Content-Range": "bytes */" + size } });
    }
    return new Response(body.slice(start, end + 1), {
      status: 206,
      headers: {
        "Content-Type": copy.headers.get("Content-Type") || "application/octet-stream",
        "Content-Range": "bytes " + start + "-" + end + "/" + size,
        "Content-Length": String(end - start + 1),
        "Accept-Ranges": "bytes"
      }
    });
  });
}

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
