/* Copy buttons of citation boxes (templates/archive/_citation_box.html). The buttons are
   hidden in the page and shown here, so a reader without script sees only the text, which
   stays selectable. Loaded as a file: the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copyText(element) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(element.textContent);
    }
    // Plain http outside localhost has no Clipboard API: copy the selection instead.
    selectText(element);
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject(new Error("copy"));
  }

  function setUp(button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source || button.getAttribute("data-copy-ready")) {
      return;
    }
    var label = button.textContent;
    var status = button.nextElementSibling;
    var timer = null;
    button.setAttribute("data-copy-ready", "1");
    button.hidden = false;
    button.addEventListener("click", function () {
      copyText(source).then(
        function () {
          button.textContent = "Copied";
          button.classList.add("copied");
          if (status) { status.textContent = "Copied to the clipboard."; }
        },
        function () {
          selectText(source);
          if (status) { status.textContent = "Could not copy: the text is selected, copy it with your keyboard."; }
        }
      );
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        button.textContent = label;
        button.classList.remove("copied");
        if (status) { status.textContent = ""; }
      }, 4000);
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
