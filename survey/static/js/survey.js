// Live skip rules for the survey form: items whose condition is not met are hidden as
// the respondent answers. Progressive enhancement only: without JavaScript every item is
// shown with a note, and the server applies the same rules when the form is sent.
(function () {
  "use strict";
  var form = document.querySelector("form.survey");
  if (!form) { return; }

  function answers(code) {
    var values = [];
    var inputs = form.querySelectorAll("[name='" + code + "']");
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) { continue; }
      if (input.value !== "") { values.push(input.value); }
    }
    return values;
  }

  function met(rule) { return window.SkipRules.met(rule, answers); }

  function update() {
    var items = form.querySelectorAll("[data-show-if]");
    for (var i = 0; i < items.length; i++) {
      var item = items[i];
      var shown = met(JSON.parse(item.getAttribute("data-show-if")));
      item.hidden = !shown;
      var inputs = item.querySelectorAll("input, select, textarea");
      for (var j = 0; j < inputs.length; j++) { inputs[j].disabled = !shown; }
    }
  }

  var notes = form.querySelectorAll(".skip-note");
  for (var k = 0; k < notes.length; k++) { notes[k].hidden = true; }
  form.addEventListener("change", update);
  // The browser may refill the answers after the page has loaded (Back, restored
  // tabs): show and enable the items those answers call for.
  window.addEventListener("pageshow", update);
  update();

  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
