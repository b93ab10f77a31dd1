// Keyboard-first paper entry: each code typed moves the cursor on, skip rules grey out
// items as the answers come in, and codes the item does not have are refused on the spot.
// Progressive enhancement: without JavaScript the same form works and the server applies
// the same checks when it is sent.
(function () {
  "use strict";
  var form = document.querySelector("form.paper-entry");
  if (!form) { return; }
  var noAnswer = form.getAttribute("data-no-answer");

  function fields() {
    return Array.prototype.filter.call(
      form.querySelectorAll("input:not([type=hidden])"),
      function (input) { return !input.disabled; }
    );
  }

  function moveFrom(input) {
    var list = fields();
    var next = list[list.indexOf(input) + 1];
    if (next) { next.focus(); next.select(); } else { form.requestSubmit(); }
  }

  function given(code) {
    var input = document.getElementById("item-" + code);
    if (!input || input.disabled) { return []; }
    var value = input.value.trim();
    // The no-answer code is a blank on paper: not an answer.
    if (value === "" || value === noAnswer) { return []; }
    return value.split(/[\s,+]+/);
  }

  function met(rule) { return window.SkipRules.met(rule, given); }

  function applyRules() {
    // In questionnaire order, so a rule sees earlier items already settled.
    var rows = form.querySelectorAll("tr.entry-item");
    for (var i = 0; i < rows.length; i++) {
      var rule = rows[i].getAttribute("data-show-if");
      if (!rule) { continue; }
      var shown = met(JSON.parse(rule));
      var input = rows[i].querySelector("input");
      rows[i].classList.toggle("skipped", !shown);
      if (!shown) { input.value = ""; }
      input.disabled = !shown;
    }
  }

  function say(input, message) {
    var error = document.getElementById(input.getAttribute("data-error"));
    input.setCustomValidity(message);
    if (error) { error.textContent = message; }
    input.setAttribute("aria-invalid", message ? "true" : "false");
  }

  function checkCode(input) {
    var codes = input.getAttribute("data-codes").split(" ");
    var value = input.value.trim();
    if (value === "") { say(input, ""); return "empty"; }
    if (input.hasAttribute("data-multiple")) {
      var bad = value.split(/[\s,+]+/).filter(function (v) { return v && codes.indexOf(v) === -1; });
      say(input, bad.length ? input.getAttribute("data-message") : "");
      return bad.length ? "bad" : "partial";
    }
    if (codes.indexOf(value) !== -1) {
      say(input, "");
      var longer = codes.some(function (c) { return c !== value && c.indexOf(value) === 0; });
      return longer ? "partial" : "complete";
    }
    var prefix = codes.some(function (c) { return c.indexOf(value) === 0; });
    say(input, prefix ? "" : input.getAttribute("data-message"));
    return prefix ? "partial" : "bad";
  }

  function luhnOk(serial) {
    // As serials.py reads them: the agency's code (which may hold dashes), T on an
    // organisation's form, six digits, the check digit.
    var match = /^[A-Z0-9._-]+-T?(\d{6})-(\d)$/.exec(serial);
    if (!match) { return false; }
    var total = 0;
    var digits = match[1].split("").reverse();
    for (var i = 0; i < digits.length; i++) {
      var d = Number(digits[i]);
      if (i % 2 === 0) { d *= 2; if (d > 9) { d -= 9; } }
      total += d;
    }
    return (10 - total % 10) % 10 === Number(match[2]);
  }

  form.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.hasAttribute("data-codes")) { return; }
    var state = checkCode(input);
    applyRules();
    if (state === "complete") { moveFrom(input); }
    if (state === "bad") { input.select(); }
  });

  var askedSerial = "";

  // The serial is checked as soon as it is typed, however the keyer leaves the field
  // (Enter, Tab, a click) or once its last digit completes a valid serial: its check
  // digit here, then the server (a serial this keyer keyed already, or one of another
  // batch), not after forty items. A refusal brings the cursor back to the serial.
  function checkSerial(input, fromKeyboard) {
    input.value = input.value.replace(/\s+/g, "").toUpperCase();
    if (input.value === "") { return true; }
    if (!luhnOk(input.value)) {
      say(input, input.getAttribute("data-message"));
      if (fromKeyboard) { input.select(); }
      return false;
    }
    if (input.value === askedSerial) { return true; }
    askedSerial = input.value;
    say(input, "");
    fetch(input.getAttribute("data-check").replace("SERIAL", encodeURIComponent(input.value)),
          {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (verdict) {
        if (verdict.ok) { return; }
        askedSerial = "";
        say(input, verdict.message);
        input.focus();
        input.select();
      })
      .catch(function () { askedSerial = ""; });  // the post checks again
    return true;
  }

  var serialField = form.querySelector("[data-serial]");
  if (serialField) {
    serialField.addEventListener("change", function () { checkSerial(serialField, false); });
    serialField.addEventListener("input", function () {
      var typed = serialField.value.replace(/\s+/g, "").toUpperCase();
      if (luhnOk(typed)) { checkSerial(serialField, false); } else if (serialField.getAttribute("aria-invalid") === "true") { say(serialField, ""); }
    });
  }

  form.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || input.tagName !== "INPUT") { return; }
    event.preventDefault();
    if (input.hasAttribute("data-serial") && !checkSerial(input, true)) { return; }
    if (input.hasAttribute("data-codes") && checkCode(input) === "bad") { input.select(); return; }
    moveFrom(input);
  });

  applyRules();
  form.setAttribute("data-ready", "");  // tests (and styles) can tell the keys are live
  var problems = document.getElementById("entry-problems");
  var firstBad = form.querySelector("[aria-invalid=true]");
  if (firstBad) { firstBad.focus(); firstBad.select(); } else if (problems) { problems.focus(); }
})();
