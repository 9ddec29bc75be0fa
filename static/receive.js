// Receive forms (/receive and an order's receiving page): a keyboard-wedge
// scanner ends its GS1 string with Enter. In a scan field (#scan, or one
// marked data-scan-enter), Enter reads the scan (htmx fills the form)
// instead of submitting it. Without this file the server reads the scan the
// same way (/receive: the submitted form; an order: the form's first,
// hidden button is "read scans").
document.addEventListener("keydown", function (e) {
  var t = e.target;
  if (e.key === "Enter" && t && (t.id === "scan" || (t.hasAttribute && t.hasAttribute("data-scan-enter"))) && window.htmx) {
    e.preventDefault();
    window.htmx.trigger(t, "scanned");
  }
});
