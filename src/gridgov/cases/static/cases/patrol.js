/* Patrol page: start a patrol at the phone's position, send the track every 30 s while the page is
   open, end it with visits and notes. Everything goes through the case API (/api/patrols…). */
(function () {
  var box = document.getElementById("patrol");
  if (!box) return;
  var text = JSON.parse(document.getElementById("patrol-text").textContent);
  var status = document.getElementById("patrol-status");
  var csrf = (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";
  var active = box.dataset.active;
  var pending = [];

  function post(url, body) {
    return fetch(url, {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf}, body: JSON.stringify(body)})
      .then(function (r) { return r.json().then(function (j) { if (!r.ok) throw j; return j; }); });
  }
  function say(msg) { status.textContent = msg || ""; }

  var start = document.getElementById("start");
  if (start) start.addEventListener("click", function () {
    if (!navigator.geolocation) return say(text.noPosition);
    say(text.locating);
    navigator.geolocation.getCurrentPosition(function (pos) {
      post("/api/patrols", {lon: pos.coords.longitude, lat: pos.coords.latitude})
        .then(function () { window.location.reload(); })
        .catch(function (e) { say(e.message || text.failed); });
    }, function () { say(text.noPosition); }, {enableHighAccuracy: true, timeout: 15000});
  });

  if (active && navigator.geolocation) {
    navigator.geolocation.watchPosition(function (pos) {
      pending.push([pos.coords.longitude, pos.coords.latitude, Math.round(pos.timestamp / 1000)]);
    }, function () {}, {enableHighAccuracy: true});
    var flush = function () {
      if (!pending.length) return Promise.resolve();
      var batch = pending.splice(0, pending.length);
      return post("/api/patrols/" + active + "/track", {points: batch})
        .then(function (p) { document.getElementById("track-count").textContent = p.track_points; say(""); })
        .catch(function () { pending = batch.concat(pending); say(text.failed); });
    };
    setInterval(flush, 30000);
    document.getElementById("finish-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var f = ev.target;
      flush().then(function () {
        return post("/api/patrols/" + active + "/finish", {visits: parseInt(f.visits.value || "0", 10), notes: f.notes.value});
      }).then(function () { window.location.reload(); }).catch(function (e) { say(e.message || text.failed); });
    });
  }
})();
