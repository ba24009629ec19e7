// Enhancements only: every page works without this script.
document.addEventListener("DOMContentLoaded", function () {
  // A print button where the page offers one.
  document.querySelectorAll(".print-button").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
});
