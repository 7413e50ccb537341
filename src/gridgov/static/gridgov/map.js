/* Node map: the node and its children as polygons, drawn with vendored Leaflet and no tiles.
   A basemap is optional and never required: with none, the polygons alone orient the user. */
(function () {
  var el = document.getElementById("map");
  if (!el || !window.L) return;
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: false });
  var palette = ["#c8102e", "#e07b00", "#2a7ab0", "#3c9d4e", "#8a4fb5", "#b5892a", "#4a6572", "#d0487a"];
  fetch(el.dataset.src, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (fc) {
    var i = 0;
    var layer = L.geoJSON(fc, {
      style: function (f) {
        if (f.properties.role === "self") return { color: "#c8102e", weight: 3, fill: false };
        var c = palette[i++ % palette.length];
        return { color: "#555", weight: 1, fillColor: c, fillOpacity: 0.35 };
      },
      onEachFeature: function (f, l) {
        if (f.properties.role === "child") {
          l.bindTooltip(f.properties.name + "（" + f.properties.code + "）", { sticky: true });
          l.on("click", function () { window.location = f.properties.url; });
        }
      }
    }).addTo(map);
    var b = layer.getBounds();
    if (b.isValid()) map.fitBounds(b, { padding: [10, 10] }); else map.setView([35, 105], 4);
    el.dataset.features = String(fc.features.length);
    return el.dataset.centres ? fetch(el.dataset.centres, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : { features: [] }; }) : { features: [] };
  }).then(function (centres) {
    // Service centres 党群服务中心 / red positions as red points over the polygons.
    L.geoJSON(centres, {
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, { radius: 6, color: "#fff", weight: 2, fillColor: "#c8102e", fillOpacity: 1 });
      },
      onEachFeature: function (f, l) { l.bindTooltip(f.properties.name + (f.properties.opening_hours ? "<br>" + f.properties.opening_hours : "")); }
    }).addTo(map);
    el.dataset.centres = String(centres.features.length);
    el.classList.add("ready");
  });
})();
