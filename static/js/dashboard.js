/* Draws the bureau dashboard's charts with Apache ECharts (static/vendor/echarts/).
 * The numbers come from the page's json_script (#dashboard-data): the same figures as the
 * tables beside each chart, as exact decimal strings; they become numbers only to draw. */
(function () {
  "use strict";

  function num(text) { return Number.parseFloat(text); }

  function money(value) {
    return "¥" + Number(value).toLocaleString("zh-CN", { maximumFractionDigits: 2 });
  }

  function monthly(data) {
    var labels = data.labels;
    return {
      tooltip: { trigger: "axis", valueFormatter: money },
      legend: { top: 0 },
      grid: { left: 90, right: 24, top: 40, bottom: 30 },
      xAxis: { type: "category", data: data.months.map(function (m) { return m.label; }) },
      yAxis: { type: "value", axisLabel: { formatter: function (v) { return (v / 10000).toLocaleString("zh-CN") + " 万"; } } },
      series: [
        { name: labels.monthly, type: "bar", data: data.months.map(function (m) { return num(m.counted); }) },
        { name: labels.cumulative, type: "line", data: data.months.map(function (m) { return num(m.cumulative); }) },
        { name: labels.target_line, type: "line", lineStyle: { type: "dashed" }, symbol: "none",
          data: data.months.map(function (m) { return num(m.target_line); }) }
      ]
    };
  }

  function pie(rows) {
    return {
      tooltip: { trigger: "item", valueFormatter: money },
      series: [{
        type: "pie", radius: ["35%", "65%"], avoidLabelOverlap: true,
        label: { formatter: "{b}\n{d}%" },
        data: rows.map(function (r) { return { name: r.label, value: num(r.amount) }; })
      }]
    };
  }

  function bars(rows) {
    var ordered = rows.slice().reverse();
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: money },
      grid: { left: 150, right: 24, top: 10, bottom: 30 },
      xAxis: { type: "value", axisLabel: { formatter: function (v) { return (v / 10000).toLocaleString("zh-CN") + " 万"; } } },
      yAxis: { type: "category", data: ordered.map(function (r) { return r.label; }) },
      series: [{ type: "bar", data: ordered.map(function (r) { return num(r.amount); }) }]
    };
  }

  function funnel(rows) {
    return {
      tooltip: { trigger: "item" },
      series: [{
        type: "funnel", sort: "none", left: "10%", width: "80%", minSize: "4%", min: 0,
        max: Math.max(1, Math.max.apply(null, rows.map(function (r) { return r.count; }))),
        label: { formatter: "{b}：{c}" },
        data: rows.map(function (r) { return { name: r.label, value: r.count }; })
      }]
    };
  }

  function draw() {
    var source = document.getElementById("dashboard-data");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    document.documentElement.classList.add("js-charts");
    var builders = {
      monthly: function () { return monthly(data); },
      by_type: function () { return pie(data.by_type); },
      by_field: function () { return bars(data.by_field); },
      by_seller_kind: function () { return pie(data.by_seller_kind); },
      by_flow: function () { return pie(data.by_flow); },
      funnel: function () { return funnel(data.funnel); }
    };
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var build = builders[element.dataset.chart];
      if (!build) { return; }
      // SVG keeps the charts sharp on paper (print stylesheet: static/css/dashboard.css).
      var chart = window.echarts.init(element, null, { renderer: "svg" });
      chart.setOption(Object.assign({ animation: false }, build()));
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.resize(); }); });
    document.documentElement.dataset.chartsReady = "true";
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
