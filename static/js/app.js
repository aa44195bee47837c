/* Dangjian Cloud page shell: htmx CSRF header, service worker registration.
   Loaded with `defer` from base.html; no inline scripts (our CSP forbids them). */
(function () {
  "use strict";

  // htmx: send Django's CSRF token with every request (hx-headers is inherited from <body>).
  function setCsrfHeader() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content && document.body) {
      document.body.setAttribute("hx-headers", JSON.stringify({ "X-CSRFToken": meta.content }));
    }
  }

  // Offline support and "add to home screen" (the 数字组工 APP).
  function registerServiceWorker() {
    var me = document.querySelector("script[data-sw]");
    var url = me && me.getAttribute("data-sw");
    if (!url || !("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register(url, { scope: "/" }).catch(function (err) {
      if (window.console) console.warn("service worker not registered:", err);
    });
  }

  // The skip link moves focus to <main> (tabindex=-1) so screen readers start reading there.
  function wireSkipLink() {
    var skip = document.querySelector(".skip-link");
    var main = document.getElementById("main");
    if (!skip || !main) return;
    skip.addEventListener("click", function () { main.focus(); });
  }

  function init() {
    setCsrfHeader();
    wireSkipLink();
    registerServiceWorker();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
