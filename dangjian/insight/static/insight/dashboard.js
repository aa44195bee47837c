/* Opinion insight dashboard: a bar chart of the hot spots' pain point scores (Apache ECharts,
 * vendored), from the data the page carries (#insight-chart-data). Each bar opens its topic; the
 * server-rendered list below carries the same links for the keyboard and screen readers.
 * CSP: loaded from 'self'; no inline handlers, no eval; tooltips drawn on the canvas. */
(function () {
  "use strict";
  function draw() {
    var holder = document.getElementById("insight-chart");
    var data = document.getElementById("insight-chart-data");
    if (!holder || !data || !window.echarts) return;
    var rows = JSON.parse(data.textContent);
    if (!rows.length) return;
    var chart = window.echarts.init(holder, null, { renderer: "canvas" });
    var base = holder.getAttribute("data-topic-url");
    chart.setOption({
      animation: false,
      tooltip: { trigger: "item", renderMode: "richText" },
      grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value" },
      yAxis: { type: "category", inverse: true, data: rows.map(function (r) { return r.label; }) },
      series: [{ type: "bar", data: rows.map(function (r) { return { value: r.pain, id: r.id }; }) }]
    });
    chart.on("click", function (p) {
      if (p.data && p.data.id) window.location.href = base.replace("0", String(p.data.id));
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
