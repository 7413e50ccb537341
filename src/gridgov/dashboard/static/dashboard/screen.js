/* The big screen: the district map in the middle (GridgovMap, dark) and the live figures around it,
   fetched from /dashboard/screen/data.json every 30 s without reloading the page. */
(function () {
  var root = document.getElementById("screen");
  if (!root) return;
  var REFRESH = 30000;
  var t = JSON.parse(document.getElementById("screen-i18n").textContent);
  var cfg = JSON.parse(document.getElementById("map-config").textContent);
  var mapEl = document.getElementById("screen-map");
  var map = window.GridgovMap ? window.GridgovMap.create(mapEl, cfg, {
    dark: true, collapsed: true, mode: "grade",
    layers: ["subdistrict", "community", "grid", "centres", "cases", "patrols"], shown: ["subdistrict", "grid", "cases"]
  }) : null;
  var axis = { axisLine: { lineStyle: { color: "#3d5a80" } }, axisLabel: { color: "#9fb3c8" }, splitLine: { lineStyle: { color: "#16304f" } } };
  var charts = {};
  function chart(id) {
    if (!charts[id] && window.echarts) charts[id] = echarts.init(document.getElementById(id), null, { renderer: "canvas" });
    return charts[id];
  }
  function text(id, value) { var e = document.getElementById(id); if (e) e.textContent = value; }
  function pct(x) { return x == null ? "—" : (100 * x).toFixed(1) + "%"; }

  function draw(d) {
    text("screen-open", d.open);
    text("screen-reported-today", d.reported_today);
    text("screen-closed-today", d.closed_today);
    text("screen-overdue", d.overdue_now);
    text("screen-on-time", pct(d.month.on_time_rate));
    text("screen-on-time-detail", d.month.due ? "(" + d.month.on_time + "/" + d.month.due + ")" : "");
    text("screen-grade-month", d.grades.month || "");
    if (d.open_by_area.kind_label) text("screen-areas-title", t.open + " · " + d.open_by_area.kind_label);
    text("screen-updated", new Date(d.generated_at).toLocaleTimeString("zh-CN", { hour12: false }));
    if (!window.echarts) return;
    var areas = d.open_by_area.areas.slice().sort(function (a, b) { return a.open - b.open; });
    chart("chart-areas").setOption({
      grid: { left: 8, right: 30, top: 4, bottom: 4, containLabel: true },
      xAxis: Object.assign({ type: "value", minInterval: 1 }, axis),
      yAxis: Object.assign({ type: "category", data: areas.map(function (a) { return a.name; }) }, axis),
      series: [{ type: "bar", data: areas.map(function (a) { return a.open; }), itemStyle: { color: "#4fc3f7" },
                 label: { show: true, position: "right", color: "#dfe8f3" } }]
    });
    var bands = d.grades.bands.filter(function (b) { return b.count > 0; });
    var pie = bands.map(function (b) { return { name: b.name, value: b.count, itemStyle: { color: b.colour } }; });
    if (d.grades.ungraded) pie.push({ name: t.ungraded, value: d.grades.ungraded, itemStyle: { color: "#555" } });
    chart("chart-grades").setOption({
      tooltip: { trigger: "item", formatter: "{b}：{c} " + t.orgs + "（{d}%）" },
      legend: { bottom: 0, textStyle: { color: "#dfe8f3" } },
      series: [{ type: "pie", radius: ["38%", "68%"], center: ["50%", "44%"], data: pie,
                 label: { color: "#dfe8f3", formatter: "{b}\n{c}" } }]
    });
    chart("chart-trend").setOption({
      tooltip: { trigger: "axis" },
      legend: { data: [t.reported, t.closed], textStyle: { color: "#dfe8f3" }, top: 0 },
      grid: { left: 8, right: 12, top: 28, bottom: 4, containLabel: true },
      xAxis: Object.assign({ type: "category", data: d.trend.days.map(function (s) { return s.slice(5); }) }, axis),
      yAxis: Object.assign({ type: "value", minInterval: 1 }, axis),
      series: [
        { name: t.reported, type: "line", smooth: true, data: d.trend.reported, itemStyle: { color: "#ffd54f" }, areaStyle: { opacity: 0.15 } },
        { name: t.closed, type: "line", smooth: true, data: d.trend.closed, itemStyle: { color: "#66bb6a" } }
      ]
    });
  }

  var refreshes = 0;
  function refresh() {
    return fetch(root.dataset.src, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      return r.json();
    }).then(function (d) {
      draw(d);
      refreshes += 1;
      root.dataset.refreshes = String(refreshes);
      root.dataset.open = String(d.open);
      root.classList.add("ready");
      // The open cases on the map move with the figures.
      if (map && refreshes > 1 && map.map.hasLayer(map.layers.cases)) map.reload(["cases"]);
    }).catch(function (e) { root.dataset.error = String(e); });
  }
  function clock() { text("screen-clock", new Date().toLocaleString("zh-CN", { hour12: false })); }
  clock();
  setInterval(clock, 1000);
  refresh();
  setInterval(refresh, REFRESH);
  window.addEventListener("resize", function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
  window.gridgovScreen = { refresh: refresh, map: map };
})();
