// Behaviour that would otherwise be inline script (the Content-Security-Policy allows none).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    window.print();
    return;
  }
  // Copy buttons beside values the other administrator types: the value or text of the element they name;
  // the status beside the button says it was copied (its words come from the page, in the page's language).
  var copy = event.target.closest("[data-copy]");
  if (!copy) {
    return;
  }
  var source = document.getElementById(copy.getAttribute("data-copy"));
  var status = copy.nextElementSibling;
  if (!source) {
    return;
  }
  var text = "value" in source ? source.value : source.textContent.trim();
  var say = function (words) {
    if (status && status.classList.contains("copy-done")) {
      status.textContent = words;
      setTimeout(function () { status.textContent = ""; }, 4000);
    }
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(
      function () { say(copy.getAttribute("data-copied")); },
      function () { say(copy.getAttribute("data-copy-failed")); }
    );
  } else {
    say(copy.getAttribute("data-copy-failed"));
  }
});
