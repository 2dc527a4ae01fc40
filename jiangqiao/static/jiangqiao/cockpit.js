// 统计驾驶舱: draws the ECharts charts from the page's json_script blocks (no inline script).
// #cockpit-data: {gauges: [{code, name, value, expected, color, url}], trend: {months: [...]}};
// #breakdown-data (htmx panel): {breakdowns: [{id, type: "pie"|"bar", items: [{name, value, url}]}]}.
// A click on a bar, a slice or a gauge opens the list behind that number.
(function () {
  "use strict";
  var charts = [];

  function read(id, root) {
    var el = (root || document).querySelector("#" + id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function make(el, option, urls) {
    if (!el || !window.echarts) return;
    var old = window.echarts.getInstanceByDom(el);
    if (old) old.dispose();
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option);
    if (urls) {
      chart.on("click", function (p) {
        var url = typeof urls === "function" ? urls(p) : urls[p.dataIndex];
        if (url) window.location.href = url;
      });
    }
    charts.push(chart);
  }

  function gauges(list) {
    (list || []).forEach(function (g) {
      var el = document.getElementById("gauge-" + g.code);
      if (!el) return;
      var value = g.value === null ? 0 : g.value;
      var max = Math.max(100, Math.ceil(value / 10) * 10);
      make(el, {
        series: [{
          type: "gauge",
          min: 0,
          max: max,
          startAngle: 200,
          endAngle: -20,
          radius: "100%",
          center: ["50%", "62%"],
          progress: { show: true, width: 12, itemStyle: { color: g.color } },
          axisLine: { lineStyle: { width: 12, color: [[1, "#e6e7e9"]] } },
          axisTick: { show: false },
          splitLine: { show: false },
          axisLabel: { show: false },
          pointer: { show: false },
          anchor: { show: false },
          title: { show: false },
          detail: {
            valueAnimation: false,
            offsetCenter: [0, "-5%"],
            fontSize: 22,
            fontWeight: "bold",
            color: g.value === null ? "#667382" : g.color,
            formatter: function () { return g.value === null ? "未设目标" : g.value + "%"; }
          },
          markLine: undefined,
          data: [{ value: value }]
        }, g.expected === null ? null : {
          type: "gauge",
          min: 0,
          max: max,
          startAngle: 200,
          endAngle: -20,
          radius: "100%",
          center: ["50%", "62%"],
          axisLine: { show: false },
          axisTick: { show: false },
          splitLine: { show: false },
          axisLabel: { show: false },
          progress: { show: false },
          anchor: { show: false },
          title: { show: false },
          detail: { show: false },
          pointer: { icon: "rect", length: "22%", width: 3, offsetCenter: [0, "-78%"], itemStyle: { color: "#1d273b" } },
          data: [{ value: g.expected, name: "应达" }]
        }].filter(Boolean)
      }, g.url ? function () { return g.url; } : null);
    });
  }

  function trend(data) {
    var el = document.getElementById("trend-chart");
    if (!el || !data) return;
    var months = data.months || [];
    make(el, {
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: [data.year + " 年", (data.year - 1) + " 年"] },
      grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: months.map(function (m) { return m.label; }) },
      yAxis: { type: "value", minInterval: 1, name: data.unit },
      series: [
        { name: data.year + " 年", type: "bar", barMaxWidth: 40, itemStyle: { color: "#206bc4" },
          data: months.map(function (m) { return m.value; }) },
        { name: (data.year - 1) + " 年", type: "line", itemStyle: { color: "#f59f00" },
          data: months.map(function (m) { return m.last; }) }
      ]
    }, function (p) { return p.seriesIndex === 0 && months[p.dataIndex] ? months[p.dataIndex].url : null; });
  }

  function breakdowns(root) {
    var data = read("breakdown-data", root);
    if (!data) return;
    (data.breakdowns || []).forEach(function (b) {
      var el = document.getElementById(b.id);
      if (!el) return;
      var items = b.items || [];
      var urls = items.map(function (i) { return i.url; });
      if (b.type === "pie") {
        make(el, {
          tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
          series: [{ type: "pie", radius: ["45%", "75%"], label: { show: false },
            emphasis: { label: { show: true, formatter: "{b}\n{d}%", fontWeight: "bold" } },
            data: items.map(function (i) { return { name: i.name, value: i.value, itemStyle: { color: i.color } }; }) }]
        }, urls);
      } else {
        var top = items.slice(0, 12);
        make(el, {
          tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
          grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
          xAxis: { type: "value", minInterval: 1 },
          yAxis: { type: "category", inverse: true, data: top.map(function (i) { return i.name; }),
            axisLabel: { width: 110, overflow: "truncate" } },
          series: [{ type: "bar", barMaxWidth: 28,
            data: top.map(function (i) { return { value: i.value, itemStyle: { color: i.color } }; }) }]
        }, urls);
      }
    });
  }

  function init() {
    var data = read("cockpit-data");
    if (data) {
      gauges(data.gauges);
      trend(data.trend);
    }
    breakdowns(document);
  }

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSwap", function (evt) { breakdowns(evt.target); });
  var timer = null;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      charts.forEach(function (c) { if (!c.isDisposed()) c.resize(); });
    }, 150);
  });
})();
