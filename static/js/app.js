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

  // The one search box: "/" or Ctrl-K (⌘K) focuses it from anywhere but a text field.
  function wireSearchShortcut() {
    var box = document.querySelector("[data-search-box]");
    if (!box) return;
    document.addEventListener("keydown", function (e) {
      var t = e.target, typing = t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
      if ((e.key === "k" || e.key === "K") && (e.ctrlKey || e.metaKey)) {
        e.preventDefault(); box.focus(); box.select();
      } else if (e.key === "/" && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault(); box.focus();
      }
    });
  }

  // "Pin this page": the page's own title rather than its path.
  function wirePinForm() {
    var form = document.querySelector("form[data-pin]");
    if (!form || !form.elements.title) return;
    var title = (document.title || "").split(" · ")[0];
    if (title) form.elements.title.value = title;
  }

  // Side-bar groups stay as the user left them (collapsed ones are remembered on this device).
  function wireNavGroups() {
    var key = "dj-nav-collapsed", closed = [];
    try { closed = JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { closed = []; }
    var groups = document.querySelectorAll("details.nav-group[data-group]");
    Array.prototype.forEach.call(groups, function (d) {
      var name = d.getAttribute("data-group");
      if (closed.indexOf(name) >= 0 && !d.querySelector('[aria-current="page"]')) d.open = false;
      d.addEventListener("toggle", function () {
        var i = closed.indexOf(name);
        if (d.open && i >= 0) closed.splice(i, 1);
        if (!d.open && i < 0) closed.push(name);
        try { localStorage.setItem(key, JSON.stringify(closed)); } catch (e) { /* private mode */ }
      });
    });
  }

  // Navigation badges (open to-dos) arrive after the page: no page pays for counting them.
  function loadBadges() {
    var nav = document.querySelector("[data-badges]");
    if (!nav || !window.fetch) return;
    var label = nav.getAttribute("data-badge-label") || "";
    fetch(nav.getAttribute("data-badges"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        function show(el, n) {
          if (!n) return;
          el.textContent = n > 99 ? "99+" : String(n);
          el.setAttribute("title", n + " " + label);
          el.hidden = false;
        }
        Array.prototype.forEach.call(document.querySelectorAll("[data-badge]"), function (el) {
          show(el, (data.entries || {})[el.getAttribute("data-badge")]);
        });
        Array.prototype.forEach.call(document.querySelectorAll("[data-badge-group]"), function (el) {
          show(el, (data.groups || {})[el.getAttribute("data-badge-group")]);
        });
      })
      .catch(function () { /* badges are a convenience: the workbench lists the to-dos */ });
  }

  function init() {
    setCsrfHeader();
    loadBadges();
    wireSearchShortcut();
    wirePinForm();
    wireNavGroups();
    wireSkipLink();
    registerServiceWorker();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
