/* Member search: a complete ID-card or phone number is sent by POST, never in the URL, so it does
   not end up in browser history, proxies or access logs. Other searches stay plain GET links. */
(function () {
  "use strict";
  var ID = /^\d{17}[\dX]$/;
  var PHONE = /^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$/;

  function normalized(value) {
    return value.replace(/[\s()]/g, "").replace(/^\+86/, "").toUpperCase();
  }

  function init() {
    var form = document.querySelector("form.filters[data-post-full-numbers]");
    if (!form) return;
    form.addEventListener("submit", function () {
      var q = form.querySelector("input[name=q]");
      var value = q ? normalized(q.value) : "";
      if (!(ID.test(value) || PHONE.test(value))) return;
      var meta = document.querySelector('meta[name="csrf-token"]');
      var token = document.createElement("input");
      token.type = "hidden";
      token.name = "csrfmiddlewaretoken";
      token.value = meta ? meta.content : "";
      form.appendChild(token);
      form.method = "post";
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
