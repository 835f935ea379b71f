// Draws the facility list of /camps/map/ as a map that zooms, pans and groups nearby
// facilities (vendored Leaflet and Leaflet.markercluster; no tiles, nothing from another
// host), and filters the map, the list and the counter in place as the form changes.
// Without script the list and the GET form do the same job.
(function () {
  "use strict";
  var form = document.getElementById("map-filters");
  var list = document.getElementById("camp-list");
  var counter = document.getElementById("map-count");
  var canvas = document.getElementById("camp-map");
  if (!form || !list || !counter) { return; }
  var items = Array.prototype.slice.call(list.children);
  var select = form.querySelector("select[name=prefecture]");

  function chosenTiers() {
    return Array.prototype.map.call(
      form.querySelectorAll("input[name=tier]:checked"), function (box) { return box.value; });
  }

  function passes(item, tiers, prefecture) {
    return (tiers.length === 0 || tiers.indexOf(item.dataset.tier) !== -1) &&
      (!prefecture || item.dataset.prefecture === prefecture);
  }

  var map = null;
  var group = null;
  var names = [];

  function describe(item) {
    var tier = item.dataset.tier ? "tier " + item.dataset.tier : "tier unknown";
    var records = +item.dataset.records;
    return item.querySelector("a").textContent + " — " + tier + ", " + item.dataset.prefecture +
      "; " + records + " record" + (records === 1 ? "" : "s");
  }

  function popupFor(item) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = item.querySelector("a").getAttribute("href");
    link.textContent = item.querySelector("a").textContent;
    var meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = item.querySelector(".meta").textContent;
    box.appendChild(link);
    box.appendChild(meta);
    return box;
  }

  function facilityMarker(item) {
    var records = +item.dataset.records;
    var size = records ? Math.min(28, Math.round(16 + 4 * Math.sqrt(records))) : 14;
    var marker = L.marker([+item.dataset.lat, +item.dataset.lon], {
      icon: L.divIcon({
        className: "facility-mark tier-" + (item.dataset.tier || "none") + (records ? " has-records" : ""),
        iconSize: [size, size],
        html: ""
      }),
      title: describe(item),
      riseOnHover: true
    });
    marker.bindPopup(popupFor(item));
    marker.on("add", function () {
      var icon = marker.getElement();
      if (icon) { icon.dataset.slug = item.dataset.slug; }
    });
    return marker;
  }

  function clusterIcon(cluster) {
    var n = cluster.getChildCount();
    var size = n < 10 ? 30 : n < 50 ? 36 : 42;
    return L.divIcon({
      className: "facility-cluster",
      iconSize: [size, size],
      html: "<span>" + n + "</span><span class=\"visually-hidden\"> facilities here: select to zoom in</span>"
    });
  }

  function boxesMeet(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }

  // Prefecture names, the most populous first: each goes to the first place near the centre
  // of its facilities where it meets neither a name already placed nor a facility or group,
  // and waits for a closer zoom if there is none.
  var PLACES = [[0, 0]];
  [26, 46].forEach(function (d) {
    [[0, -1], [0, 1], [1, 0], [-1, 0], [1, -1], [-1, -1], [1, 1], [-1, 1]].forEach(function (v) {
      PLACES.push([v[0] * d * 1.6, v[1] * d]);
    });
  });
  function declutter() {
    if (!map) { return; }
    var tiers = chosenTiers();
    var prefecture = select.value;
    var marks = Array.prototype.map.call(
      canvas.querySelectorAll(".leaflet-marker-pane .leaflet-marker-icon"),
      function (icon) { return icon.getBoundingClientRect(); });
    var frame = canvas.getBoundingClientRect();
    var placed = [];
    names.forEach(function (name) {
      var text = name.element;
      var wanted = prefecture ? name.prefecture === prefecture :
        name.items.some(function (item) { return passes(item, tiers, ""); });
      var found = null;
      for (var i = 0; wanted && i < PLACES.length && !found; i++) {
        text.style.transform = "translate(calc(-50% + " + PLACES[i][0] + "px), calc(-50% + " + PLACES[i][1] + "px))";
        var box = text.getBoundingClientRect();
        var clear = boxesMeet(box, frame) &&
          !placed.some(function (other) { return boxesMeet(box, other); }) &&
          !marks.some(function (mark) { return boxesMeet(box, mark); });
        if (clear) { found = box; }
      }
      text.classList.toggle("is-hidden", !found);
      if (found) { placed.push(found); }
    });
  }

  // From the list to the map: zoom until the facility stands alone (spreading co-located
  // ones) and open its label.
  function showButton(item) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "show-on-map";
    button.textContent = "Show on map";
    button.setAttribute("aria-label", "Show on map: " + item.querySelector("a").textContent);
    button.addEventListener("click", function () { showOnMap(item); });
    return button;
  }

  function showOnMap(item) {
    canvas.scrollIntoView({block: "nearest"});
    group.zoomToShowLayer(item.marker, function () { item.marker.openPopup(); });
  }

  // Groups finish moving a moment after the zoom ends: place the names again once they rest.
  var pending = null;
  function redeclutter() {
    declutter();
    clearTimeout(pending);
    pending = setTimeout(declutter, 400);
  }

  function drawMap() {
    canvas.hidden = false;
    document.documentElement.classList.add("camp-map-drawn");
    map = L.map(canvas, {
      attributionControl: false,
      zoomSnap: 1,
      maxZoom: 14,
      maxBounds: L.latLngBounds([28, 64], [56, 106]),
      maxBoundsViscosity: 1
    });
    map.createPane("grid").style.zIndex = 250;
    map.createPane("names").style.zIndex = 450;
    for (var lon = 74; lon <= 96; lon += 4) {
      L.polyline([[28, lon], [56, lon]], {pane: "grid", className: "grid", interactive: false}).addTo(map);
    }
    for (var lat = 36; lat <= 48; lat += 4) {
      L.polyline([[lat, 64], [lat, 106]], {pane: "grid", className: "grid", interactive: false}).addTo(map);
    }
    group = L.markerClusterGroup({
      maxClusterRadius: 44,
      showCoverageOnHover: false,
      spiderfyOnMaxZoom: true,
      iconCreateFunction: clusterIcon
    });
    frameShown(select.value ? items.filter(function (item) { return !item.hidden; }) : items);
    map.setMinZoom(Math.max(map.getZoom() - 1, 3));
    var byPrefecture = {};
    items.forEach(function (item) {
      item.marker = facilityMarker(item);
      item.appendChild(showButton(item));
      var p = item.dataset.prefecture;
      if (p) { (byPrefecture[p] = byPrefecture[p] || []).push(item); }
    });
    Object.keys(byPrefecture).forEach(function (p) {
      var members = byPrefecture[p];
      var lat = 0, lon = 0;
      members.forEach(function (item) { lat += +item.dataset.lat; lon += +item.dataset.lon; });
      var marker = L.marker([lat / members.length, lon / members.length], {
        pane: "names",
        interactive: false,
        keyboard: false,
        icon: L.divIcon({className: "prefecture-name", iconSize: [0, 0], html: "<span></span>"})
      }).addTo(map);
      var text = marker.getElement().firstChild;
      text.textContent = p;
      names.push({prefecture: p, items: members, element: text});
    });
    names.sort(function (a, b) { return b.items.length - a.items.length; });
    map.addLayer(group);
    // Enter on a focused group does what a click does: zoom in, or spread it at the closest zoom.
    group.on("clusterkeypress", function (event) {
      var key = event.originalEvent.key;
      if (key !== "Enter" && key !== " ") { return; }
      if (map.getZoom() >= map.getMaxZoom()) { event.layer.spiderfy(); } else { event.layer.zoomToBounds(); }
    });
    map.on("zoomend moveend resize", redeclutter);
    group.on("animationend spiderfied unspiderfied", redeclutter);
  }

  function frameShown(shown) {
    if (!shown.length) { return; }
    var bounds = L.latLngBounds(shown.map(function (item) { return [+item.dataset.lat, +item.dataset.lon]; }));
    map.fitBounds(bounds, {padding: [16, 16], animate: false});
  }

  function apply(reframe) {
    var tiers = chosenTiers();
    var prefecture = select.value;
    var shown = items.filter(function (item) {
      var ok = passes(item, tiers, prefecture);
      item.hidden = !ok;
      return ok;
    });
    counter.querySelector("strong").textContent = shown.length;
    if (map) {
      group.clearLayers();
      group.addLayers(shown.map(function (item) { return item.marker; }));
      if (reframe) { frameShown(prefecture ? shown : items); }
      declutter();
    }
    return shown;
  }

  if (canvas && window.L && L.markerClusterGroup) {
    drawMap();
    apply(false);
    // A facility page links here as /camps/map/?prefecture=…#<slug>: show that facility.
    var wanted = items.filter(function (item) {
      return !item.hidden && "#" + item.dataset.slug === location.hash;
    })[0];
    if (wanted) { showOnMap(wanted); }
  }
  form.addEventListener("change", function (event) {
    apply(event.target === select);
    // The address follows the filters, so the view can be shared or bookmarked.
    var params = new URLSearchParams(new FormData(form));
    if (!select.value) { params.delete("prefecture"); }
    var query = params.toString();
    history.replaceState(null, "", query ? "?" + query : location.pathname);
  });
  form.querySelector("button[type=submit]").hidden = true;
})();
