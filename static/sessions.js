// Session form and after-care sheet: progressive enhancements only.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
});
// Choosing a protocol (htmx) may also fill the needle length, indication and
// add-ons; the server says what in an HX-Trigger event. Typed values win.
document.body && document.body.addEventListener("session-fill", function (e) {
  var form = document.getElementById("session-form");
  if (!form || !e.detail) { return; }
  var needle = form.querySelector("[name=needle_length_mm]");
  if (needle && !needle.value && e.detail.needle_length_mm) { needle.value = e.detail.needle_length_mm; }
  var ind = form.querySelector("[name=indication]");
  if (ind && !ind.value && e.detail.indication) { ind.value = e.detail.indication; }
  var boxes = form.querySelectorAll("input[name=addons]");
  var any = Array.prototype.some.call(boxes, function (b) { return b.checked; });
  if (!any && e.detail.addons) {
    boxes.forEach(function (b) { b.checked = e.detail.addons.indexOf(b.value) >= 0; });
  }
});
