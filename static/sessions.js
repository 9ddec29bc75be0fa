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
