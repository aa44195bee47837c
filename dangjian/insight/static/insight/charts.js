/* Opinion insight charts (Apache ECharts, vendored): hot spots' weekly sparklines, the place ×
 * topic heat map, texts per week by category and by place, sentiment per week, department
 * timeliness. Data: the JSON script tag #insight-charts-data the page carries. Every click opens
 * the texts behind it (data.texts_url with the filter in the query string); a heat map row's name
 * moves the map one level down. The server-rendered tables carry the same links for keyboards and
 * screen readers. CSP: loaded from 'self'; no inline handlers, no eval; tooltips on the canvas. */
(function () {
  "use strict";
  var charts = [];

  function addDays(iso, days) {
    var d = new Date(iso + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + days);
    return d.toISOString().slice(0, 10);
  }

  function go(data, params) {
    var q = new URLSearchParams(params);
    window.location.href = data.texts_url + "?" + q.toString();
  }

  function init(el) {
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    charts.push(chart);
    return chart;
  }

  function weekly(data, id, block, param) {
    var el = document.getElementById(id);
    if (!el || !block.series.length) return;
    var chart = init(el);
    chart.setOption({
      animation: false,
      tooltip: { trigger: "item", renderMode: "richText" },
      legend: { type: "scroll", top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: block.weeks.map(function (w) { return w.slice(5); }) },
      yAxis: { type: "value", minInterval: 1 },
      series: block.series.map(function (s) {
        return { type: "bar", stack: "all", name: s.label, data: s.data, emphasis: { focus: "series" } };
      })
    });
    chart.on("click", function (p) {
      var s = block.series[p.seriesIndex];
      if (!s || !s.drill) return;
      var from = block.weeks[p.dataIndex];
      var params = { from: from, to: addDays(from, 6) };
      params[param] = s.name;
      go(data, params);
    });
  }

  function sparklines(data) {
    var cells = document.querySelectorAll(".insight-spark");
    Array.prototype.forEach.call(cells, function (el) {
      var t = data.hot[Number(el.getAttribute("data-index"))];
      if (!t) return;
      var chart = init(el);
      chart.setOption({
        animation: false,
        grid: { left: 2, right: 2, top: 2, bottom: 2 },
        xAxis: { type: "category", show: false, data: data.weeks },
        yAxis: { type: "value", show: false, min: 0 },
        series: [{ type: "line", data: t.weekly, symbol: "none", lineStyle: { width: 1.5 }, areaStyle: { opacity: 0.2 },
                   triggerLineEvent: true }]
      });
      chart.getZr().on("click", function () { go(data, { topic: t.id }); });
    });
  }

  function heat(data) {
    var el = document.getElementById("insight-heat");
    var h = data.heat;
    if (!el || !h.cells.length) return;
    el.style.height = Math.max(240, 48 + 28 * h.rows.length) + "px";
    var chart = init(el);
    chart.setOption({
      animation: false,
      tooltip: { trigger: "item", renderMode: "richText" },
      grid: { left: 8, right: 8, top: 8, bottom: 56, containLabel: true },
      xAxis: { type: "category", data: h.columns.map(function (c) { return c.label; }),
               axisLabel: { rotate: 40, interval: 0, width: 80, overflow: "truncate" } },
      yAxis: { type: "category", inverse: true, triggerEvent: true,
               data: h.rows.map(function (r) { return r.drill ? r.name + " ›" : r.name; }) },
      visualMap: { min: 0, max: h.max || 1, show: false, inRange: { color: ["#fdecea", "#c62828"] } },
      series: [{ type: "heatmap", data: h.cells, label: { show: true } }]
    });
    chart.on("click", function (p) {
      if (p.componentType === "yAxis") {
        var row = h.rows[h.rows.map(function (r) { return r.drill ? r.name + " ›" : r.name; }).indexOf(p.value)];
        if (row && row.drill) window.location.href = data.charts_url + "?org=" + row.id;
        return;
      }
      if (p.componentType !== "series" || !p.data) return;
      var col = h.columns[p.data[0]], r = h.rows[p.data[1]];
      if (!col || !r || r.id === null) return;
      go(data, { topic: col.id, org: r.id });
    });
  }

  function timeliness(data) {
    var el = document.getElementById("insight-timeliness");
    var t = data.timeliness;
    if (!el || !t || !t.rows.some(function (r) { return r.on_time_rate !== null; })) {
      if (el) el.hidden = true;
      return;
    }
    var chart = init(el);
    chart.setOption({
      animation: false,
      tooltip: { trigger: "item", renderMode: "richText" },
      grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", max: 100 },
      yAxis: { type: "category", inverse: true, data: t.rows.map(function (r) { return r.name; }) },
      series: [{ type: "bar", data: t.rows.map(function (r) { return r.on_time_rate === null ? 0 : r.on_time_rate; }) }]
    });
    chart.on("click", function (p) {
      var r = t.rows[p.dataIndex];
      if (r) go(data, { org: r.id });
    });
  }

  function draw() {
    var node = document.getElementById("insight-charts-data");
    if (!node || !window.echarts) return;
    var data = JSON.parse(node.textContent);
    if (data.empty) return;
    sparklines(data);
    heat(data);
    weekly(data, "insight-category", data.category, "category");
    weekly(data, "insight-place", data.place, "place");
    weekly(data, "insight-sentiment", data.sentiment, "sentiment");
    timeliness(data);
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
