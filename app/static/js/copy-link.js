// A "Copy" button copies the text of the input its data-copy-target names and says so for a moment
// (data-copied). Without the clipboard API (plain http on an intranet) the text is selected instead, for the
// person to copy by hand.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy-target"));
    var label = button.textContent;
    if (!input) { return; }
    button.addEventListener("click", function () {
      input.focus();
      input.select();
      if (!navigator.clipboard || !window.isSecureContext) { return; }
      navigator.clipboard.writeText(input.value).then(function () {
        button.textContent = button.getAttribute("data-copied");
        window.setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  });
}());
