// Enhancements only: every page works without this script.
document.addEventListener("DOMContentLoaded", function () {
  // A print button where the page offers one.
  document.querySelectorAll(".print-button").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  // A refused form: the list of problems at the top takes the focus, so that it is read out and Tab leads on
  // to its links (without the script it is announced as an alert and is the first thing after the heading).
  var summary = document.querySelector(".conflict[tabindex='-1'], .error-summary[tabindex='-1']");
  if (summary) { summary.focus(); }
});
