// Charts of a dashboard page: cases per month (with the index average) and the grade distribution.
(function () {
  function data(id) { var el = document.getElementById(id); return el ? JSON.parse(el.textContent) : null; }
  var labels = document.getElementById("labels").dataset;
  var trend = data("case-trend"), grades = data("grade-trend"), bands = data("bands");
  var cases = document.getElementById("chart-cases");
  if (cases && trend) {
    var averages = {};
    (grades || []).forEach(function (g) { averages[g.month] = g.average; });
    echarts.init(cases).setOption({
      tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { left: 40, right: 40, top: 30, bottom: 24 },
      xAxis: { type: "category", data: trend.map(function (r) { return r.month; }) },
      yAxis: [{ type: "value" }, { type: "value", min: 0, max: 100, splitLine: { show: false } }],
      series: [
        { name: labels.reported, type: "bar", data: trend.map(function (r) { return r.reported; }), itemStyle: { color: "#c8102e" } },
        { name: labels.closed, type: "bar", data: trend.map(function (r) { return r.closed; }), itemStyle: { color: "#e9a23b" } },
        { name: labels.average, type: "line", yAxisIndex: 1, connectNulls: true, data: trend.map(function (r) { return averages[r.month]; }) }
      ]
    });
  }
  var pie = document.getElementById("chart-bands");
  if (pie && bands && bands.length) {
    var chart = echarts.init(pie);
    chart.setOption({
      tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: ["40%", "70%"], label: { formatter: "{b} {c}" },
        data: bands.map(function (b) { return { name: b.name, value: b.n, url: b.url, itemStyle: { color: b.colour } }; }) }]
    });
    chart.on("click", function (p) { if (p.data && p.data.url) { window.location = p.data.url; } });
  }
})();
