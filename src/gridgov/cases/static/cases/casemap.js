/* Case maps without tiles (vendored Leaflet, nothing leaves 127.0.0.1): the case page's point in
   its grid, and the map of open cases drawn over the outline of the user's area. */
(function () {
  if (!window.L) return;
  var red = "#c8102e";

  // ---- one case: its grid's outline and its point, both embedded in the page.
  var one = document.getElementById("case-map");
  var data = document.getElementById("case-point");
  if (one && data) {
    var p = JSON.parse(data.textContent);
    var map = L.map(one, { zoomSnap: 0.25, attributionControl: false });
    var latlng = L.latLng(p.lat, p.lon);
    var bounds = L.latLngBounds([latlng, latlng]);
    var grid = p.grid ? L.geoJSON(p.grid, { style: { color: "#555", weight: 2, fillColor: "#2a7ab0", fillOpacity: 0.08 }, interactive: false }) : null;
    if (grid) bounds = grid.getBounds().extend(latlng);
    // The view first: layers added to a map without one wait for it in an order that can
    // let a polygon draw before its renderer exists.
    map.fitBounds(bounds.pad(0.1), { maxZoom: 18 });
    if (grid) grid.addTo(map);
    L.circleMarker(latlng, { radius: 8, color: "#fff", weight: 3, fillColor: red, fillOpacity: 1 }).bindTooltip(p.label).addTo(map);
    one.dataset.features = grid ? "2" : "1";
    one.classList.add("ready");
  }

  // ---- open cases: GeoJSON points (newest first, capped) over the user's area.
  var many = document.getElementById("cases-map");
  if (!many) return;
  var cmap = L.map(many, { zoomSnap: 0.25, attributionControl: false, preferCanvas: true });
  var colours = { reported: "#1565c0", registered: "#1565c0", dispatched: "#e07b00", handling: "#e07b00", handled: "#2e7d32", verified: "#2e7d32" };
  var json = function (r) { return r.json(); };
  var outline = many.dataset.outline ? fetch(many.dataset.outline, { credentials: "same-origin" }).then(json) : Promise.resolve(null);
  Promise.all([outline, fetch(many.dataset.src, { credentials: "same-origin" }).then(json)]).then(function (res) {
    var area = res[0], cases = res[1];
    var bounds = L.latLngBounds([]);
    var a = area ? L.geoJSON(area, {
      style: function (f) { return f.properties.role === "self" ? { color: red, weight: 2, fill: false } : { color: "#888", weight: 1, fillOpacity: 0.04 }; },
      interactive: false
    }) : null;
    if (a && a.getBounds().isValid()) bounds.extend(a.getBounds());
    var pts = L.geoJSON(cases, {
      pointToLayer: function (f, ll) {
        var late = f.properties.overdue;
        return L.circleMarker(ll, { radius: late ? 6 : 5, color: late ? red : "#fff", weight: late ? 2 : 1,
                                    fillColor: colours[f.properties.state] || "#555", fillOpacity: 0.9 });
      },
      onEachFeature: function (f, l) {
        var pr = f.properties;
        l.bindTooltip(pr.number + " · " + pr.category + " · " + pr.state_label);
        l.on("click", function () { window.location = pr.url; });
      }
    });
    if (pts.getBounds().isValid()) bounds.extend(pts.getBounds());
    // The view before the layers (see the case map above).
    if (bounds.isValid()) cmap.fitBounds(bounds, { padding: [10, 10], maxZoom: 18 }); else cmap.setView([35, 105], 4);
    if (a) a.addTo(cmap);
    pts.addTo(cmap);
    many.dataset.features = String(cases.features.length);
    var count = document.getElementById("cases-count");
    if (count) count.textContent = String(cases.features.length);
    var cut = document.getElementById("cases-truncated");
    if (cut) cut.hidden = !cases.truncated;
    many.classList.add("ready");
  });
})();
