// Session form and after-care sheet: progressive enhancements only.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
});
// Choosing a protocol (htmx) also sets the needle length, indication and
// add-ons; the server decided what (it replaces what the previous protocol
// filled and keeps what was typed) and says so in an HX-Trigger event.
document.body && document.body.addEventListener("session-fill", function (e) {
  var form = document.getElementById("session-form");
  if (!form || !e.detail) { return; }
  var needle = form.querySelector("[name=needle_length_mm]");
  if (needle && typeof e.detail.needle_length_mm === "string") { needle.value = e.detail.needle_length_mm; }
  var ind = form.querySelector("[name=indication]");
  if (ind && typeof e.detail.indication === "string") { ind.value = e.detail.indication; }
  if (e.detail.addons) {
    form.querySelectorAll("input[name=addons]").forEach(function (b) {
      b.checked = e.detail.addons.indexOf(b.value) >= 0;
    });
  }
});
// Issue 14 item 5: a swap of the lines block never throws away what the
// person typed while the request was on its way. Before the request the
// block's fields (quantities, "new tube opened" ticks) are noted; at the swap, fields changed since then (and the
// focused one) are put back into the new block — by name and row, only
// where the row still holds the same product — and the focus returns.
(function () {
  var before = null;
  var keep = null;
  function fields() {
    var out = {};
    var lines = document.getElementById("lines");
    if (!lines) { return out; }
    lines.querySelectorAll(".line").forEach(function (row, i) {
      var product = row.querySelector("[name=product_id]");
      row.querySelectorAll("input[name=quantity]").forEach(function (el) {
        out["quantity#" + i] = { el: el, value: el.value, product: product ? product.value : "" };
      });
      row.querySelectorAll("input[name=open_new]").forEach(function (el) {
        out["open_new#" + i] = { el: el, value: el.checked ? "on" : "", product: product ? product.value : "", tick: true };
      });
    });
    return out;
  }
  document.addEventListener("htmx:beforeRequest", function (e) {
    if (e.detail && e.detail.target && e.detail.target.id === "lines") { before = fields(); }
  });
  document.addEventListener("htmx:beforeSwap", function (e) {
    if (!e.detail || !e.detail.target || e.detail.target.id !== "lines" || !before) { return; }
    var now = fields();
    keep = [];
    Object.keys(now).forEach(function (k) {
      var n = now[k];
      var focused = document.activeElement === n.el;
      if (focused || !before[k] || before[k].value !== n.value) {
        keep.push({ key: k, value: n.value, product: n.product, focused: focused });
      }
    });
    before = null;
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    if (!keep || !e.detail || !e.detail.target) { return; }
    var lines = document.getElementById("lines");
    if (e.detail.target.id !== "lines") { return; }
    var now = fields();
    keep.forEach(function (k) {
      var n = now[k.key];
      if (!n || n.product !== k.product) { return; }
      if (n.tick) { n.el.checked = k.value === "on"; } else { n.el.value = k.value; }
      if (k.focused) {
        n.el.focus();
        try { n.el.setSelectionRange(k.value.length, k.value.length); } catch (err) { /* not a text field */ }
      }
    });
    keep = null;
  });
})();
