/* The party-building map 党建地图 (also drawn in the middle of the big screen): vendored Leaflet, no
   tiles unless the district configured a basemap, every layer fetched from /dashboard/map/layers/
   (boundaries simplified for the zoom bucket), switchable, coloured by grade, open cases or density.
   window.GridgovMap.create(element, config, options) -> {map, reload(names), setMode(mode)}. */
(function () {
  if (!window.L) return;
  var RED = "#c8102e";
  var AREA = ["subdistrict", "community", "grid"];
  var BUCKETS = [11, 13, 15, 99]; // keep in step with map.ZOOM_BUCKETS
  var SEQ = ["#fff5d6", "#fdd49e", "#fc8d59", "#e34a33", "#b30000"];
  var STATE = { reported: "#1565c0", registered: "#1565c0", dispatched: "#e07b00", handling: "#e07b00", handled: "#2e7d32", verified: "#2e7d32" };

  function bucket(z) { for (var i = 0; i < BUCKETS.length; i++) if (z <= BUCKETS[i]) return i; return BUCKETS.length - 1; }
  function esc(s) { return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]; }); }

  // Sequential classes: 0, then up to four upper bounds at the quartiles of the positive values.
  function breaks(values) {
    var v = values.filter(function (x) { return x != null && x > 0; }).sort(function (a, b) { return a - b; });
    var out = [];
    [0.25, 0.5, 0.75, 1].forEach(function (q) {
      if (!v.length) return;
      var b = v[Math.min(v.length - 1, Math.ceil(q * v.length) - 1)];
      if (!out.length || b > out[out.length - 1]) out.push(b);
    });
    return out;
  }
  function classOf(value, th) {
    if (value == null) return -1;
    if (value <= 0) return 0;
    for (var i = 0; i < th.length; i++) if (value <= th[i]) return i + 1;
    return th.length;
  }

  function create(el, cfg, options) {
    options = options || {};
    var t = cfg.i18n || {};
    var dark = !!options.dark;
    var map = L.map(el, { zoomSnap: 0.25, attributionControl: !!cfg.basemap, preferCanvas: false, minZoom: 8, maxZoom: 19 });
    var mode = options.mode || "grade";
    var zoomBucket = null;
    var loaded = {};
    var data = {};
    // Points and tracks in a pane above the boundaries. SVG, not canvas: a canvas on top would
    // swallow the clicks meant for the boundaries below it (map.css lets them through the SVG).
    map.createPane("gridgov-points");
    map.getPane("gridgov-points").style.zIndex = 450;
    var renderer = L.svg({ padding: 0.3, pane: "gridgov-points" });

    // ---- optional basemap: only when configured, so an offline site never asks for a tile.
    var bases = {};
    var basemapLayer = null;
    if (cfg.basemap && cfg.basemap.type === "tiles") {
      basemapLayer = L.tileLayer(cfg.basemap.url, { attribution: cfg.basemap.attribution, maxZoom: cfg.basemap.max_zoom || 19 });
    } else if (cfg.basemap && cfg.basemap.type === "pmtiles" && window.pmtiles) {
      var archive = new pmtiles.PMTiles(cfg.basemap.url);
      basemapLayer = L.layerGroup();
      archive.getHeader().then(function (h) {
        var inner = (h.tileType === 1 && window.protomapsL)  // 1 = vector (MVT) tiles
          ? protomapsL.leafletLayer({ url: cfg.basemap.url, flavor: cfg.basemap.flavor || (dark ? "dark" : "light"), lang: "zh", attribution: cfg.basemap.attribution })
          : pmtiles.leafletRasterLayer(archive, { attribution: cfg.basemap.attribution, maxZoom: cfg.basemap.max_zoom || 19 });
        basemapLayer.addLayer(inner);
      });
    }
    if (basemapLayer) {
      bases[t.basemap || "Basemap"] = basemapLayer.addTo(map);
      bases[t.no_basemap || "No basemap"] = L.layerGroup();
      el.dataset.basemap = cfg.basemap.type;
    }

    // ---- boundary layers
    function fillFor(p) {
      if (mode === "grade") return p.grade && p.grade.colour ? p.grade.colour : (dark ? "#3a4250" : "#d9d9d9");
      var br = data["breaks_" + mode] || [];
      var c = classOf(mode === "open" ? p.open : p.density, br);
      return c < 0 ? "#d9d9d9" : SEQ[c];
    }
    var styles = {
      subdistrict: function () { return { color: dark ? "#ffd54f" : RED, weight: 3, fill: false, opacity: 0.9 }; },
      community: function (f) { return { color: dark ? "#90a4ae" : "#555", weight: 1.5, fillColor: fillFor(f.properties), fillOpacity: 0.55 }; },
      grid: function (f) { return { color: dark ? "#263238" : "#fff", weight: 0.8, fillColor: fillFor(f.properties), fillOpacity: 0.7 }; }
    };
    function areaPopup(p) {
      var rows = ["<strong>" + esc(p.name) + "</strong> <span class='muted'>" + esc(p.code) + "</span>"];
      rows.push(esc(t.open_cases) + "：" + p.open + " · " + esc(t.density) + "：" + (p.density == null ? "—" : p.density));
      rows.push(esc(t.grade) + "：" + (p.grade ? esc(p.grade.band) + "（" + p.grade.total + "）" : esc(t.no_grade)));
      rows.push("<a href='" + esc(p.url) + "'>" + esc(t.open_page) + "</a>");
      return rows.join("<br>");
    }
    var layers = {};
    AREA.forEach(function (name) {
      layers[name] = L.geoJSON(null, {
        style: styles[name],
        onEachFeature: function (f, l) {
          l.bindPopup(function () { return areaPopup(f.properties); });
          if (name !== "subdistrict") l.bindTooltip(esc(f.properties.name), { sticky: true });
        }
      });
    });

    // ---- point and line layers
    function popup(title, lines, url) {
      return "<strong>" + esc(title) + "</strong>" + lines.map(function (x) { return "<br>" + esc(x); }).join("") +
        (url ? "<br><a href='" + esc(url) + "'>" + esc(t.open_page) + "</a>" : "");
    }
    function points(opts, describe) {
      return L.geoJSON(null, {
        pointToLayer: function (f, ll) { return L.circleMarker(ll, Object.assign({ renderer: renderer }, typeof opts === "function" ? opts(f.properties) : opts)); },
        onEachFeature: function (f, l) { var d = describe(f.properties); l.bindPopup(popup(d[0], d[1], f.properties.url)); l.bindTooltip(esc(d[0])); }
      });
    }
    layers.centres = points({ radius: 7, color: "#fff", weight: 2, fillColor: RED, fillOpacity: 1 },
      function (p) { return [p.name, [p.kind_label, p.node, p.hours].filter(Boolean)]; });
    layers.party_orgs = points(function (p) { return { radius: 4, color: p.weak ? "#000" : "#fff", weight: 1, fillColor: "#d4a017", fillOpacity: 1 }; },
      function (p) { return [p.name, [p.kind_label, p.node, p.weak ? t.weak : ""].filter(Boolean)]; });
    layers.partners = points({ radius: 4, color: "#fff", weight: 1, fillColor: "#6a1b9a", fillOpacity: 0.95 },
      function (p) { return [p.name, [p.kind_label, p.node]]; });
    layers.cases = points(function (p) { return { radius: p.overdue ? 6 : 5, color: p.overdue ? RED : "#fff", weight: p.overdue ? 2 : 1, fillColor: STATE[p.state] || "#555", fillOpacity: 0.95 }; },
      function (p) { return [p.number, [p.category, p.state_label, p.overdue ? t.overdue : ""].filter(Boolean)]; });
    layers.patrols = L.geoJSON(null, {
      style: { color: "#00838f", weight: 2, opacity: 0.8 }, renderer: renderer, pane: "gridgov-points",
      onEachFeature: function (f, l) { var p = f.properties; l.bindPopup(popup(p.person + " · " + p.day, [p.grid, (t.visits || "") + "：" + p.visits], p.url)); }
    });

    var overlays = {};
    (options.layers || ["subdistrict", "community", "grid", "centres", "party_orgs", "partners", "cases", "patrols"]).forEach(function (name) {
      overlays[(cfg.labels && cfg.labels[name]) || name] = layers[name];
      layers[name]._gridgovName = name;
    });
    var shown = options.shown || ["subdistrict", "grid", "centres", "cases"];

    function url(name) {
      var q = "?zoom=" + Math.round(map.getZoom() || 12) + (cfg.node ? "&node=" + cfg.node : "");
      return cfg.layers + name + ".geojson" + q;
    }
    function fetchLayer(name) {
      return fetch(url(name), { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) throw new Error(name + " " + r.status);
        return r.json();
      }).then(function (json) {
        data[name] = json;
        var layer = layers[name];
        layer.clearLayers();
        layer.addData(json);
        loaded[name] = true;
        el.dataset["features" + name.replace(/_(.)/g, function (_m, c) { return c.toUpperCase(); }).replace(/^./, function (c) { return c.toUpperCase(); })] = String(json.features.length);
        if (AREA.indexOf(name) >= 0) recolour();
        el.dataset.loaded = Object.keys(loaded).sort().join(",");
        return json;
      });
    }
    function reload(names) {
      names = names || Object.keys(layers).filter(function (n) { return map.hasLayer(layers[n]); });
      return Promise.all(names.map(fetchLayer));
    }

    // ---- colouring and legend
    function recolour() {
      var values = { open: [], density: [] };
      ["community", "grid"].forEach(function (n) {
        if (!data[n]) return;
        data[n].features.forEach(function (f) { values.open.push(f.properties.open); values.density.push(f.properties.density); });
      });
      data.breaks_open = breaks(values.open);
      data.breaks_density = breaks(values.density);
      ["community", "grid"].forEach(function (n) { layers[n].setStyle(styles[n]); });
      legend.update();
    }
    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () { this._div = L.DomUtil.create("div", "map-legend"); this.update(); return this._div; };
    legend.update = function () {
      if (!this._div) return;
      var html = "<strong>" + esc((cfg.modes || {})[mode] || mode) + "</strong>";
      var source = data.grid || data.community;
      if (mode === "grade") {
        var bands = source ? source.bands : [];
        if (source && source.month) html += " <span class='muted'>" + esc(source.month) + "</span>";
        bands.forEach(function (b) { html += "<div><i style='background:" + esc(b.colour) + "'></i>" + esc(b.name) + " ≥ " + b.minimum + "</div>"; });
        html += "<div><i style='background:#d9d9d9'></i>" + esc(t.no_grade) + "</div>";
      } else {
        var th = data["breaks_" + mode] || [];
        html += "<div><i style='background:" + SEQ[0] + "'></i>0</div>";
        th.forEach(function (b, i) { html += "<div><i style='background:" + SEQ[i + 1] + "'></i>≤ " + b + "</div>"; });
      }
      html += "<hr><div><i class='pt' style='background:" + RED + "'></i>" + esc(cfg.labels.centres) + "</div>" +
        "<div><i class='pt' style='background:#d4a017'></i>" + esc(cfg.labels.party_orgs) + "</div>" +
        "<div><i class='pt' style='background:#6a1b9a'></i>" + esc(cfg.labels.partners) + "</div>" +
        "<div><i class='pt' style='background:#1565c0'></i><i class='pt' style='background:#e07b00'></i><i class='pt' style='background:#2e7d32'></i>" + esc(cfg.labels.cases) + "</div>" +
        "<div><i class='ln'></i>" + esc(cfg.labels.patrols) + "</div>";
      this._div.innerHTML = html;
      el.dataset.mode = mode;
    };
    legend.addTo(map);

    // ---- the view first (Leaflet draws layers reliably once it has one), then the layers.
    var bb = cfg.bbox;
    if (bb && bb.length === 4) map.fitBounds([[bb[1], bb[0]], [bb[3], bb[2]]], { padding: [8, 8] });
    else map.setView([35, 105], 4);
    zoomBucket = bucket(map.getZoom());
    L.control.layers(bases, overlays, { collapsed: !!options.collapsed }).addTo(map);
    L.control.scale({ imperial: false }).addTo(map);
    shown.forEach(function (n) { if (layers[n]) layers[n].addTo(map); });
    var first = reload(shown).then(function () {
      if (!(bb && bb.length === 4)) {  // no stored extent: fit what was drawn
        var b = L.latLngBounds([]);
        shown.forEach(function (n) { var lb = layers[n].getBounds && layers[n].getBounds(); if (lb && lb.isValid()) b.extend(lb); });
        if (b.isValid()) map.fitBounds(b, { padding: [8, 8] });
      }
      el.classList.add("ready");
    }, function (e) { el.dataset.error = String(e); });

    // A layer switched on is fetched then; boundaries are fetched again when the zoom bucket changes.
    map.on("overlayadd", function (e) { var n = e.layer._gridgovName; if (n) fetchLayer(n); });
    map.on("zoomend", function () {
      var b = bucket(map.getZoom());
      if (b === zoomBucket) return;
      zoomBucket = b;
      reload(AREA.concat(["patrols"]).filter(function (n) { return map.hasLayer(layers[n]); }));
    });

    return {
      map: map, layers: layers, ready: first, reload: reload,
      setMode: function (m) { mode = m; recolour(); }
    };
  }

  window.GridgovMap = { create: create };

  // ---- the map page
  var el = document.getElementById("party-map");
  var conf = document.getElementById("map-config");
  if (el && conf) {
    var cfg = JSON.parse(conf.textContent);
    var select = document.getElementById("colour-by");
    var m = create(el, cfg, { mode: select ? select.value : "grade" });
    if (select) select.addEventListener("change", function () { m.setMode(select.value); });
    window.gridgovMap = m;
  }
})();
