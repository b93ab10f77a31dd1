// A new batch: the service-point list offers only the chosen agency's points.
// Without JavaScript every point is listed and the server refuses another agency's.
(function () {
  "use strict";
  var form = document.querySelector("form.batch-form");
  if (!form) { return; }
  var agency = form.querySelector("#agency_id");
  var point = form.querySelector("#point_id");
  if (!agency || !point) { return; }

  function narrow() {
    var options = point.querySelectorAll("option[data-agency]");
    for (var i = 0; i < options.length; i++) {
      var other = options[i].getAttribute("data-agency") !== agency.value;
      options[i].hidden = other;
      options[i].disabled = other;
      if (other && options[i].selected) { point.value = "0"; }
    }
  }

  agency.addEventListener("change", narrow);
  narrow();
})();
