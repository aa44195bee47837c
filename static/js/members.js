/* Member search: the form POSTs by default (also without JavaScript), so a full ID-card or phone
   number never lands in a URL, browser history, a proxy or an access log. A search without a long
   run of digits becomes a plain GET (a link that can be kept), without the CSRF token. */
(function () {
  "use strict";
  var LONG_NUMBER = /\d(?:[\s\-+.()]*\d){6,}/;

  function init() {
    var form = document.querySelector("form.filters[data-post-full-numbers]");
    if (!form) return;
    form.addEventListener("submit", function () {
      var q = form.querySelector("input[name=q]");
      if (q && LONG_NUMBER.test(q.value)) return;
      var token = form.querySelector("input[name=csrfmiddlewaretoken]");
      if (token) token.remove();
      form.method = "get";
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
