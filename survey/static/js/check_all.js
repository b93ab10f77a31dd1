// "Select all" and "Select none" for each group of checkboxes marked data-check-group.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("[data-check-group]"), function (group) {
    var controls = group.querySelector(".check-all");
    if (!controls) { return; }
    controls.hidden = false;
    Array.prototype.forEach.call(controls.querySelectorAll("[data-check]"), function (button) {
      button.addEventListener("click", function () {
        var checked = button.getAttribute("data-check") === "all";
        Array.prototype.forEach.call(group.querySelectorAll("input[type=checkbox]"), function (box) {
          box.checked = checked;
        });
      });
    });
  });
})();
