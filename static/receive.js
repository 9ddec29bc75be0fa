// Receive form: a keyboard-wedge scanner ends its GS1 string with Enter.
// In the scan field, Enter reads the scan (htmx fills the form) instead of
// submitting it. Without this file the form is submitted and the server
// reads the scan the same way.
document.addEventListener("keydown", function (e) {
  var t = e.target;
  if (e.key === "Enter" && t && t.id === "scan" && window.htmx) {
    e.preventDefault();
    window.htmx.trigger(t, "scanned");
  }
});
