// Count sheet: "Find a line" without leaving the page (what was typed on
// other lines stays). Typed text matches product, SKU, lot or GTIN in the
// page; a GS1 scan is read by the server (the parser /receive uses) through
// the same GET the form does without JavaScript. The first line found gets
// the focus in its Counted box; other lines are hidden, not dropped.
(function () {
  "use strict";
  var form = document.getElementById("count-find");
  var sheet = document.getElementById("count-sheet");
  if (!form || !sheet) { return; }
  var box = document.getElementById("count-find-q");
  var status = document.getElementById("count-found-js");
  var rows = Array.prototype.slice.call(sheet.querySelectorAll("tbody tr[data-lot]"));

  function looksLikeScan(q) {
    return /^\((01|02)\)/.test(q) || q.charAt(0) === "]" || /^01\d{14}/.test(q);
  }

  function show(ids, q) {
    if (ids === null) {
      rows.forEach(function (r) { r.hidden = false; });
      status.hidden = true;
      return;
    }
    var found = rows.filter(function (r) { return ids.indexOf(r.dataset.lot) >= 0; });
    if (found.length === 0) {
      rows.forEach(function (r) { r.hidden = false; });
      status.textContent = "No line matches \u201c" + q + "\u201d.";
      status.hidden = false;
      box.select();
      return;
    }
    rows.forEach(function (r) { r.hidden = found.indexOf(r) < 0; });
    status.textContent = found.length + " of " + rows.length + " lines match \u201c" + q +
      "\u201d. Lines already typed are kept; clear the search to see them all.";
    status.hidden = false;
    var input = found[0].querySelector("input[name=counted]");
    if (input) { input.focus(); input.select(); }
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var q = box.value.trim();
    if (q === "") { show(null, q); return; }
    if (!looksLikeScan(q)) {
      var needle = q.toLowerCase();
      show(rows.filter(function (r) {
        return (r.dataset.find || "").indexOf(needle) >= 0;
      }).map(function (r) { return r.dataset.lot; }), q);
      return;
    }
    var url = form.getAttribute("action") + "?" + new URLSearchParams(new FormData(form)).toString();
    fetch(url, { credentials: "same-origin" })
      .then(function (resp) { return resp.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var ids = Array.prototype.map.call(
          doc.querySelectorAll("#count-sheet tbody tr[data-lot]"),
          function (r) { return r.dataset.lot; });
        show(ids, q);
      })
      .catch(function () { form.submit(); });
  });

  box.addEventListener("search", function () {
    if (box.value.trim() === "") { show(null, ""); }
  });
})();
