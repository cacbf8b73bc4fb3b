/* Live percentage on the unit report form (progressive enhancement: without JavaScript the
   page shows the percentage of the saved figures, and the server computes it on save).
   Reads "12,5", "1.234" and "12.5" as the server does (reporting/forms.py normalise_number). */
(function () {
  "use strict";
  var comma = (document.documentElement.lang || "vi").indexOf("en") !== 0;

  function parse(text) {
    text = (text || "").replace(/[\s\u00a0]/g, "");
    if (!text) { return null; }
    if (text.indexOf(",") >= 0) {
      text = text.replace(/\./g, "").replace(",", ".");
    } else if (/^[1-9]\d{0,2}(\.\d{3})+$/.test(text)) {
      text = text.replace(/\./g, "");
    }
    return /^\d+(\.\d+)?$/.test(text) ? parseFloat(text) : null;
  }

  function show(block) {
    var num = document.getElementById(block.getAttribute("data-numerator"));
    var den = document.getElementById(block.getAttribute("data-denominator"));
    var out = block.querySelector("[data-percent-output]");
    if (!num || !den || !out) { return; }
    var a = parse(num.value), b = parse(den.value);
    if (a === null || !b) { out.textContent = "—"; return; }
    var text = (Math.round(a / b * 1000) / 10).toFixed(1);
    out.textContent = (comma ? text.replace(".", ",") : text) + "%" + (a > b ? " ⚠" : "");  // as portal.formats.vn_percent writes it
  }

  var blocks = document.querySelectorAll("[data-percent]");
  Array.prototype.forEach.call(blocks, function (block) {
    block.addEventListener("input", function () { show(block); });
    show(block);
  });
}());
