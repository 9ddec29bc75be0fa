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
});
