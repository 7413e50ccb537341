/* Report form: class → subclass filter, the resident fields of the on-behalf modes, and the position
   picker (a click on a tile-less Leaflet map of the user's area, or the browser's geolocation). */
(function () {
  var form = document.getElementById("report-form");
  if (!form) return;
  var lon = form.querySelector("input[name=lon]");
  var lat = form.querySelector("input[name=lat]");
  var picked = document.getElementById("picked");

  // ---- category class filter: rebuild the subclass list from a pristine copy of its groups.
  var classSelect = document.getElementById("category-class");
  var sub = form.querySelector("select[name=category]");
  if (classSelect && sub) {
    var pristine = sub.cloneNode(true);
    classSelect.addEventListener("change", function () {
      var keep = sub.value;
      sub.innerHTML = "";
      Array.prototype.forEach.call(pristine.children, function (child) {
        if (child.tagName === "OPTION" || !classSelect.value || child.label === classSelect.value) {
          sub.appendChild(child.cloneNode(true));
        }
      });
      sub.value = keep;
      if (sub.value !== keep) sub.value = "";
    });
    sub.addEventListener("change", function () {
      var opt = sub.options[sub.selectedIndex];
      if (opt && opt.parentNode.tagName === "OPTGROUP" && !classSelect.value) classSelect.value = opt.parentNode.label;
    });
  }

  // ---- modes: the resident's name and phone only matter when reporting for a resident.
  var behalf = document.getElementById("on-behalf");
  var hints = form.querySelectorAll("[data-mode-hint]");
  function syncMode() {
    var checked = form.querySelector("input[name=mode]:checked") || form.querySelector("input[name=mode]");
    var mode = checked ? checked.value : "";
    if (behalf) behalf.hidden = !(mode === "staff" || mode === "desk");
    Array.prototype.forEach.call(hints, function (h) { h.hidden = h.dataset.modeHint !== mode; });
  }
  Array.prototype.forEach.call(form.querySelectorAll("input[name=mode]"), function (r) { r.addEventListener("change", syncMode); });
  syncMode();

  // ---- one submission per press: the idempotency key already makes a double submit harmless.
  form.addEventListener("submit", function () {
    var button = document.getElementById("report-submit");
    setTimeout(function () { button.disabled = true; }, 0);
  });

  // ---- the picker map.
  var el = document.getElementById("report-map");
  if (!el || !window.L) return;
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: false });
  var marker = null;
  function place(latlng, pan) {
    lon.value = latlng.lng.toFixed(7);
    lat.value = latlng.lat.toFixed(7);
    if (marker) marker.setLatLng(latlng);
    else marker = L.circleMarker(latlng, { radius: 9, color: "#fff", weight: 3, fillColor: "#c8102e", fillOpacity: 1 }).addTo(map);
    if (pan) map.panTo(latlng);
    picked.textContent = lon.value + ", " + lat.value;
    el.dataset.picked = "1";
  }
  map.on("click", function (e) { place(e.latlng, false); });

  fetch(el.dataset.src, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (fc) {
    // The user's area is a backdrop: its outline takes no clicks, the map does; lower units
    // (grids, buildings) name themselves on hover.
    var outline = L.geoJSON({ type: "FeatureCollection", features: fc.features.filter(function (f) { return f.properties.role === "self"; }) },
      { style: { color: "#c8102e", weight: 3, fillColor: "#c8102e", fillOpacity: 0.04 }, interactive: false });
    var lower = L.geoJSON({ type: "FeatureCollection", features: fc.features.filter(function (f) { return f.properties.role !== "self"; }) }, {
      style: { color: "#666", weight: 1, fillColor: "#2a7ab0", fillOpacity: 0.12 },
      onEachFeature: function (f, l) { if (f.properties.name) l.bindTooltip(f.properties.name, { sticky: true }); }
    });
    var b = outline.getBounds();
    if (!b.isValid()) b = lower.getBounds();
    // The view before the layers: Leaflet draws paths only once the map has one.
    if (b.isValid()) map.fitBounds(b, { padding: [8, 8] }); else map.setView([35, 105], 4);
    outline.addTo(map);
    lower.addTo(map);
    if (lon.value && lat.value) place(L.latLng(parseFloat(lat.value), parseFloat(lon.value)), true);
    el.dataset.features = String(fc.features.length);
    el.classList.add("ready");
  }).catch(function () {
    map.setView([35, 105], 4);
    el.classList.add("ready");
  });

  var locate = document.getElementById("locate-me");
  if (locate) {
    if (!navigator.geolocation) locate.hidden = true;
    locate.addEventListener("click", function () {
      picked.textContent = picked.dataset.locating;
      navigator.geolocation.getCurrentPosition(function (pos) {
        var latlng = L.latLng(pos.coords.latitude, pos.coords.longitude);
        place(latlng, true);
        if (map.getZoom() < 15) map.setView(latlng, 17);
      }, function () {
        picked.textContent = picked.dataset.denied;
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }
})();
