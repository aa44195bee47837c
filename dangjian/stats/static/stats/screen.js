/* The overview screen (大屏): draws each chart widget with Apache ECharts (vendored in
 * static/vendor/echarts-*) from the data the page carries (#screen-data), and refreshes the
 * numbers and charts from the JSON endpoint (body[data-url]) every body[data-refresh] seconds,
 * without reloading the page.
 *
 * A bar, slice or point with a "url" (present only for viewers who may see the records) opens
 * the drill-down list behind it; the server-rendered lists under each chart carry the same
 * links for the keyboard and screen readers.
 *
 * CSP: loaded from 'self'; no inline handlers, no eval; no HTML strings with style attributes
 * (tooltips are drawn on the canvas: renderMode "richText"). */
(function () {
  "use strict";

  var COLORS = ["#ff5a4e", "#f5c242", "#4fc3f7", "#7bd88f", "#b39ddb", "#ff9f68", "#4dd0e1", "#fff176", "#f48fb1", "#90a4ae"];
  var TEXT = "#dce6f5";
  var MUTED = "#8ea3c7";
  var GRID_LINE = "rgba(142, 163, 199, 0.18)";
  var charts = {};
  var signature = "";
  var last = null;

  function big() { return window.innerWidth >= 1600; }
  function fontSize() { return big() ? 18 : 13; }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function sig(data) {
    return data.widgets.map(function (w) { return [w.id, w.kind, w.figure, w.dimension || "", w.span].join(":"); }).join("|");
  }

  function hasLinks(w) { return (w.items || []).some(function (i) { return !!i.url; }); }

  function seriesData(w) {
    return (w.items || []).map(function (i) { return { name: i.name, value: i.value, url: i.url || "" }; });
  }

  function baseOption(w) {
    return {
      color: COLORS,
      backgroundColor: "transparent",
      textStyle: { color: TEXT, fontSize: fontSize() },
      tooltip: { trigger: "item", renderMode: "richText", confine: true, backgroundColor: "#0d2550",
                 borderColor: "#3b5b92", textStyle: { color: TEXT, fontSize: fontSize() } },
      animationDuration: 600
    };
  }

  function axisStyle() {
    return { axisLine: { lineStyle: { color: MUTED } }, axisLabel: { color: TEXT, fontSize: fontSize() },
             splitLine: { lineStyle: { color: GRID_LINE } } };
  }

  function optionFor(w) {
    var o = baseOption(w);
    var data = seriesData(w);
    var cursor = hasLinks(w) ? "pointer" : "default";
    var fs = fontSize();
    if (w.kind === "pie") {
      o.legend = { show: false };
      o.series = [{ type: "pie", radius: ["38%", "68%"], center: ["50%", "54%"], data: data, cursor: cursor,
                    label: { color: TEXT, fontSize: fs, formatter: "{b}\n{c}" },
                    labelLine: { lineStyle: { color: MUTED } },
                    itemStyle: { borderColor: "#06142e", borderWidth: 2 } }];
      return o;
    }
    if (w.kind === "trend") {
      o.tooltip.trigger = "axis";
      o.grid = { left: 12, right: 24, top: 28, bottom: 8, containLabel: true };
      o.xAxis = Object.assign({ type: "category", boundaryGap: false, data: data.map(function (d) { return d.name; }) }, axisStyle());
      o.yAxis = Object.assign({ type: "value", scale: true }, axisStyle());
      o.series = [{ type: "line", data: data, cursor: cursor, smooth: true, symbolSize: big() ? 12 : 8,
                    lineStyle: { width: big() ? 4 : 3, color: COLORS[1] }, itemStyle: { color: COLORS[1] },
                    areaStyle: { color: "rgba(245, 194, 66, 0.15)" },
                    label: { show: true, color: TEXT, fontSize: fs, position: "top" } }];
      return o;
    }
    if (w.kind === "bar_children") {
      // Horizontal bars: long organization names read best on the left, first child on top.
      o.grid = { left: 8, right: 48, top: 8, bottom: 8, containLabel: true };
      o.yAxis = Object.assign({ type: "category", inverse: true, data: data.map(function (d) { return d.name; }) }, axisStyle());
      o.yAxis.axisLabel = { color: TEXT, fontSize: fs, width: big() ? 220 : 110, overflow: "truncate" };
      o.xAxis = Object.assign({ type: "value" }, axisStyle());
      o.series = [{ type: "bar", data: data, cursor: cursor, barMaxWidth: 28, itemStyle: { color: COLORS[0], borderRadius: [0, 4, 4, 0] },
                    label: { show: true, position: "right", color: TEXT, fontSize: fs } }];
      if (data.length > 12) {
        o.dataZoom = [{ type: "inside", yAxisIndex: 0, startValue: 0, endValue: 11, zoomLock: true },
                      { type: "slider", yAxisIndex: 0, startValue: 0, endValue: 11, width: 12, right: 4,
                        showDetail: false, brushSelect: false, borderColor: "transparent", fillerColor: "rgba(245,194,66,0.35)" }];
        o.grid.right = 60;
      }
      return o;
    }
    // "bar": a dimension's values along the bottom.
    o.grid = { left: 8, right: 16, top: 28, bottom: 8, containLabel: true };
    o.xAxis = Object.assign({ type: "category", data: data.map(function (d) { return d.name; }) }, axisStyle());
    o.xAxis.axisLabel = { color: TEXT, fontSize: fs, interval: 0, rotate: data.length > 6 ? 35 : 0 };
    o.yAxis = Object.assign({ type: "value" }, axisStyle());
    o.series = [{ type: "bar", data: data, cursor: cursor, barMaxWidth: 48, colorBy: "data",
                  itemStyle: { borderRadius: [4, 4, 0, 0] },
                  label: { show: true, position: "top", color: TEXT, fontSize: fs } }];
    return o;
  }

  function drill(params) {
    var url = params && params.data && params.data.url;
    if (url) window.location.assign(url);
  }

  function drawChart(article, w) {
    var box = article.querySelector(".chart");
    if (!box || !window.echarts) return;
    article.classList.add("is-drawn"); // shows the chart's box (sized before ECharts measures it)
    var chart = charts[w.id];
    if (!chart) {
      chart = charts[w.id] = window.echarts.init(box, null, { renderer: "canvas" });
      chart.on("click", drill);
    }
    chart.setOption(optionFor(w), { notMerge: true });
  }

  function fillItems(list, w) {
    list.replaceChildren();
    (w.items || []).forEach(function (i) {
      var li = el("li");
      var text = i.name + ": " + i.display;
      if (i.url) {
        var a = el("a", "", text);
        a.href = i.url;
        li.appendChild(a);
      } else {
        li.textContent = text;
      }
      list.appendChild(li);
    });
  }

  function fillNumber(article, w) {
    var holder = article.querySelector(".screen-value");
    var wantLink = !!w.url;
    if (!holder || (holder.tagName === "A") !== wantLink) {
      if (holder) holder.remove();
      holder = el(wantLink ? "a" : "p", "screen-value");
      holder.appendChild(el("span", "", "")).setAttribute("data-value", "");
      holder.appendChild(el("span", "unit", w.unit));
      article.appendChild(holder);
    }
    if (wantLink) holder.href = w.url;
    holder.querySelector("[data-value]").textContent = w.display;
    holder.querySelector(".unit").textContent = w.unit;
  }

  function title(w) {
    return w.label + (w.subtitle ? " · " + w.subtitle : "");
  }

  function build(data) {
    Object.keys(charts).forEach(function (id) { charts[id].dispose(); });
    charts = {};
    var numbers = document.getElementById("screen-numbers");
    var grid = document.getElementById("screen-charts");
    numbers.replaceChildren();
    grid.replaceChildren();
    data.widgets.forEach(function (w) {
      var article;
      if (w.kind === "number") {
        article = el("article", "screen-number");
        article.appendChild(el("h2", "", w.label));
        numbers.appendChild(article);
      } else {
        article = el("article", "screen-chart span-" + w.span);
        article.setAttribute("data-kind", w.kind);
        var h = el("h2", "", title(w));
        if (w.unit) { h.appendChild(document.createTextNode(" ")); h.appendChild(el("span", "unit", "(" + w.unit + ")")); }
        article.appendChild(h);
        var box = el("div", "chart");
        box.setAttribute("role", "img");
        box.setAttribute("aria-label", title(w));
        article.appendChild(box);
        article.appendChild(el("ol", "chart-items"));
        grid.appendChild(article);
      }
      article.setAttribute("data-widget", w.id);
      article.setAttribute("data-figure", w.figure);
    });
  }

  function render(data) {
    last = data;
    if (sig(data) !== signature) {
      if (signature) build(data);
      signature = sig(data);
    }
    var title = document.getElementById("screen-title");
    if (title && data.title) { title.textContent = data.title; document.title = data.title; }
    data.widgets.forEach(function (w) {
      var article = document.querySelector('[data-widget="' + w.id + '"]');
      if (!article) return;
      if (w.kind === "number") {
        fillNumber(article, w);
      } else {
        fillItems(article.querySelector(".chart-items"), w);
        drawChart(article, w);
      }
    });
  }

  function status(ok, data) {
    var box = document.getElementById("screen-status");
    if (!box) return;
    box.classList.toggle("is-stale", !ok);
    box.replaceChildren();
    if (ok) {
      box.appendChild(document.createTextNode(box.getAttribute("data-updated") + " "));
      var t = el("time", "", data.updated);
      t.id = "screen-updated";
      t.setAttribute("datetime", data.computed_at);
      box.appendChild(t);
    } else {
      box.textContent = box.getAttribute("data-stale");
    }
  }

  function refresh() {
    var url = document.body.getAttribute("data-url");
    if (!url || !window.fetch) return;
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (data) { render(data); status(true, data); document.body.setAttribute("data-refreshed", data.computed_at); })
      .catch(function () { status(false); });
  }

  function start() {
    var script = document.getElementById("screen-data");
    if (!script) return;
    var data = JSON.parse(script.textContent);
    signature = sig(data);
    render(data);
    document.body.classList.add("charts-ready");
    var seconds = parseInt(document.body.getAttribute("data-refresh"), 10) || 60;
    window.setInterval(refresh, seconds * 1000);
    var timer = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        Object.keys(charts).forEach(function (id) { charts[id].resize(); });
      }, 150);
    });
    // Fonts depend on the width: redraw when crossing the wall-display size.
    var wasBig = big();
    window.addEventListener("resize", function () {
      if (big() !== wasBig && last) { wasBig = big(); render(last); }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
