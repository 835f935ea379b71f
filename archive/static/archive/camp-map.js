// Filters the server-drawn facility map as the reader ticks tiers or picks a prefecture,
// without reloading; the same form works without script through a normal GET.
(function () {
  "use strict";
  var form = document.getElementById("map-filters");
  if (!form) { return; }
  function apply() {
    var tiers = Array.prototype.map.call(
      form.querySelectorAll("input[name=tier]:checked"), function (box) { return box.value; });
    var prefecture = form.querySelector("select[name=prefecture]").value;
    document.querySelectorAll("svg .mark").forEach(function (mark) {
      var tierOk = tiers.length === 0 || tiers.indexOf(mark.dataset.tier) !== -1;
      var placeOk = !prefecture || mark.dataset.prefecture === prefecture;
      if (tierOk && placeOk) { mark.removeAttribute("display"); } else { mark.setAttribute("display", "none"); }
    });
  }
  form.addEventListener("change", apply);
  form.querySelector("button[type=submit]").hidden = true;
})();
