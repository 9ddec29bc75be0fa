// clinic-stock: progressive enhancements only; every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // Prevent a double submit of forms marked data-once (the server is idempotent anyway).
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    });
  });
  // A time zone picker marked data-guess-zone starts at the browser's own zone.
  document.querySelectorAll("select[data-guess-zone]").forEach(function (sel) {
    try {
      var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      for (var i = 0; i < sel.options.length; i++) {
        if (sel.options[i].value === zone) { sel.value = zone; break; }
      }
    } catch (e) { /* keep the server's choice */ }
  });
});
