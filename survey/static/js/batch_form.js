// A new batch: the service-point list offers only the chosen agency's points, and for a
// surveyor the agency list only the agencies they are assigned to in the chosen campaign.
// Without JavaScript every option is listed and the server refuses a wrong pair.
(function () {
  "use strict";
  var form = document.querySelector("form.batch-form");
  if (!form) { return; }
  var campaign = form.querySelector("#campaign_id");
  var agency = form.querySelector("#agency_id");
  var point = form.querySelector("#point_id");
  if (!campaign || !agency || !point) { return; }

  // Hide the options `keep` refuses; a hidden selected option gives way to the first shown.
  function narrow(select, attribute, keep) {
    var options = select.querySelectorAll("option[" + attribute + "]");
    var first = null;
    var lost = false;
    for (var i = 0; i < options.length; i++) {
      var other = !keep(options[i].getAttribute(attribute));
      options[i].hidden = other;
      options[i].disabled = other;
      if (other && options[i].selected) { lost = true; }
      if (!other && first === null) { first = options[i]; }
    }
    return { lost: lost, first: first };
  }

  function narrowPoints() {
    var result = narrow(point, "data-agency", function (value) { return value === agency.value; });
    if (result.lost) { point.value = "0"; }
  }

  function narrowAgencies() {
    var result = narrow(agency, "data-campaigns", function (value) {
      return value.split(" ").indexOf(campaign.value) !== -1;
    });
    if (result.lost && result.first) { agency.value = result.first.value; }
    narrowPoints();
  }

  campaign.addEventListener("change", narrowAgencies);
  agency.addEventListener("change", narrowPoints);
  narrowAgencies();
})();
