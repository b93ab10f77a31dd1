// Skip rules (`show_if`) in the browser, read exactly as the server reads them
// (survey/questionnaires/conditions.py): one evaluator for the survey and for paper entry,
// checked against the server's on the same cases (tests/browser/test_skip_rules.py).
// `given(code)` returns the values given to an item so far, as text; none when unanswered.
(function () {
  "use strict";

  function met(rule, given) {
    if (rule.all) { return rule.all.every(function (r) { return met(r, given); }); }
    if (rule.any) { return rule.any.some(function (r) { return met(r, given); }); }
    var values = given(rule.item).filter(function (v) { return v !== ""; });
    if (rule.answered !== undefined) { return (values.length > 0) === rule.answered; }
    return values.some(function (v) { return rule["in"].indexOf(Number(v)) !== -1; });
  }

  window.SkipRules = { met: met };
})();
