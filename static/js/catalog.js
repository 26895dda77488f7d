// The catalog's bundle builder says what it will download: "Download 3 ticked items
// (.zip)", or with nothing ticked "Download all 12 shown (.zip)". Without this file the
// button's own text says both. No inline scripts (strict CSP).
(function () {
  "use strict";

  function label(ticked, shown) {
    if (ticked === 0) return "Download all " + shown + " shown (.zip)";
    return "Download " + ticked + " ticked item" + (ticked === 1 ? "" : "s") + " (.zip)";
  }

  function setup(form) {
    const button = form.querySelector("[data-download-ticked]");
    if (!button) return;
    const shown = form.dataset.shown;
    const boxes = document.querySelectorAll('input[type="checkbox"][form="' + form.id + '"]');
    function update() {
      let ticked = 0;
      boxes.forEach(function (box) {
        if (box.checked) ticked++;
      });
      button.textContent = label(ticked, shown);
    }
    boxes.forEach(function (box) {
      box.addEventListener("change", update);
    });
    update();
    window.addEventListener("pageshow", update); // boxes the browser ticked again on Back
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.bundle-builder[data-shown]").forEach(setup);
  });
})();
