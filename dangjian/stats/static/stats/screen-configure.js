/* The overview screen's configuration form: "move up"/"move down" buttons that reorder the rows
 * (and keep their order fields numbered), and, for the chosen figure, only the kinds and
 * dimensions it can take (from #figure-rules). The server checks the same rules on saving.
 * CSP: loaded from 'self', listeners attached here. */
(function () {
  "use strict";

  function rows(list) { return Array.prototype.slice.call(list.querySelectorAll("[data-row]")); }

  function renumber(list) {
    rows(list).forEach(function (row, i) {
      var n = row.querySelector(".layout-number");
      if (n) n.textContent = String(i + 1);
      var order = row.querySelector('input[name$="-ORDER"]');
      var figure = row.querySelector('select[name$="-figure"]');
      if (order) order.value = figure && figure.value ? String(i + 1) : "";
    });
  }

  function applyRules(row, rules) {
    var figure = row.querySelector('select[name$="-figure"]');
    var kind = row.querySelector('select[name$="-kind"]');
    var dim = row.querySelector('select[name$="-dimension"]');
    if (!figure || !kind || !dim) return;
    var rule = rules[figure.value];
    Array.prototype.forEach.call(kind.options, function (o) { o.disabled = !!rule && rule.kinds.indexOf(o.value) === -1; });
    if (rule && kind.selectedOptions.length && kind.selectedOptions[0].disabled) kind.value = rule.kinds[0];
    var split = kind.value === "pie" || kind.value === "bar";
    Array.prototype.forEach.call(dim.options, function (o) {
      o.disabled = o.value !== "" && (!split || !rule || rule.dimensions.indexOf(o.value) === -1);
    });
    if (!split) dim.value = "";
    else if (rule && (dim.value === "" || rule.dimensions.indexOf(dim.value) === -1) && rule.dimensions.length) dim.value = rule.dimensions[0];
  }

  function button(label, text) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "button layout-move";
    b.textContent = text;
    b.setAttribute("aria-label", label);
    b.title = label;
    return b;
  }

  function start() {
    var list = document.getElementById("layout-rows");
    var data = document.getElementById("figure-rules");
    if (!list) return;
    var rules = data ? JSON.parse(data.textContent) : {};
    rows(list).forEach(function (row) {
      var box = row.querySelector(".layout-order");
      var up = button(list.getAttribute("data-up"), "↑");
      var down = button(list.getAttribute("data-down"), "↓");
      up.addEventListener("click", function () {
        var prev = row.previousElementSibling;
        if (prev) { list.insertBefore(row, prev); renumber(list); up.focus(); }
      });
      down.addEventListener("click", function () {
        var next = row.nextElementSibling;
        if (next) { list.insertBefore(next, row); renumber(list); down.focus(); }
      });
      if (box) { box.appendChild(up); box.appendChild(down); }
      row.addEventListener("change", function (e) {
        if (e.target.matches('select[name$="-figure"], select[name$="-kind"]')) applyRules(row, rules);
        if (e.target.matches('select[name$="-figure"]')) renumber(list);
      });
      applyRules(row, rules);
    });
    renumber(list);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
