// Error boundary: an uncaught error or rejected promise in any script shows a banner with a reload
// button instead of leaving a half-working page. A classic script loaded first, so it sees them all.
(function () {
  function show() {
    var box = document.getElementById("boundary");
    if (box) box.hidden = false;
  }
  window.addEventListener("error", show);
  window.addEventListener("unhandledrejection", show);
  document.addEventListener("click", function (event) {
    if (event.target && event.target.id === "boundary-reload") window.location.reload();
  });
})();
