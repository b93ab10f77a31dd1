// Results tables: sort by any marked column, and filter rows live as the evaluator types.
// Progressive enhancement: without JavaScript the filter form is sent (GET) and the server
// returns the narrowed table, in its default order.
(function () {
  "use strict";

  function cellValue(row, index, kind) {
    var cell = row.cells[index];
    if (!cell) { return kind === "number" ? -Infinity : ""; }
    var raw = cell.getAttribute("data-value");
    if (kind === "number") {
      var value = parseFloat(raw === null ? cell.textContent.replace(/\./g, "").replace(",", ".") : raw);
      return isNaN(value) ? -Infinity : value;
    }
    return (raw === null ? cell.textContent : raw).trim();
  }

  // Each sortable heading becomes a button; aria-sort says the order to screen readers.
  function makeSortable(table) {
    var headings = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(headings, function (heading, index) {
      var kind = heading.getAttribute("data-sort");
      if (!kind) { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort-button";
      while (heading.firstChild) { button.appendChild(heading.firstChild); }
      heading.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = heading.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headings, function (h) { h.removeAttribute("aria-sort"); });
        heading.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var collator = new Intl.Collator(document.documentElement.lang || "vi");
        rows.sort(function (a, b) {
          var x = cellValue(a, index, kind), y = cellValue(b, index, kind);
          var order = kind === "number" ? (x < y ? -1 : x > y ? 1 : 0) : collator.compare(x, y);
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  function folded(text) {
    return text.toLowerCase().replace(/đ/g, "d").normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  // The filter form narrows every table marked with its target, row by row.
  function liveFilter(form) {
    var target = form.getAttribute("data-filters");
    var tables = document.querySelectorAll("table[data-filterable='" + target + "']");
    var count = document.querySelector("[data-filter-count='" + target + "']");
    function apply() {
      var name = folded((form.querySelector("[data-filter=name]") || {}).value || "");
      var group = (form.querySelector("[data-filter=group]") || {}).value || "";
      var flag = (form.querySelector("[data-filter=flag]") || {}).value || "";
      var shown = 0, total = 0;
      Array.prototype.forEach.call(tables, function (table) {
        Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
          if (!row.hasAttribute("data-name")) { return; }
          total += 1;
          var keep = (!name || folded(row.getAttribute("data-name")).indexOf(name) !== -1) &&
            (!group || row.getAttribute("data-group") === group) &&
            (!flag || row.getAttribute("data-flag") === flag);
          row.hidden = !keep;
          if (keep) { shown += 1; }
        });
      });
      if (count) {
        count.textContent = shown === total ? "" : (count.getAttribute("data-template") || "{shown} / {total}")
          .replace("{shown}", shown).replace("{total}", total);
      }
    }
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
  }

  Array.prototype.forEach.call(document.querySelectorAll("table[data-sortable]"), makeSortable);
  Array.prototype.forEach.call(document.querySelectorAll("form[data-filters]"), liveFilter);
})();
