// The console's branding form (templates/console/branding.html): the colour sample and its
// measured contrast follow what is typed. Without JavaScript the page shows the same sentence,
// computed by the server (branding/colour.py) for the saved or last submitted colour.
(function () {
  "use strict";
  const input = document.getElementById("id_brand_color");
  const preview = document.getElementById("colour-preview");
  const verdict = document.getElementById("colour-contrast");
  if (!input || !preview || !verdict) return;
  const minimum = parseFloat(preview.dataset.minimum);

  function normalise(value) {
    const match = /^#?([0-9a-f]{6}|[0-9a-f]{3})$/i.exec(value.trim());
    if (!match) return null;
    let digits = match[1].toLowerCase();
    if (digits.length === 3) digits = digits.split("").map((digit) => digit + digit).join("");
    return "#" + digits;
  }

  function luminance(hex) {
    const channels = [1, 3, 5].map((start) => parseInt(hex.slice(start, start + 2), 16) / 255);
    const [r, g, b] = channels.map((c) => (c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4)));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }

  function contrastWithWhite(hex) {
    return 1.05 / (luminance(hex) + 0.05);
  }

  // As the server shows it: cut, never rounded up to a pass (4.47 reads 4.4:1).
  function shown(ratio) {
    return (Math.floor(ratio * 10) / 10).toFixed(1) + ":1";
  }

  let timer = null;
  function update() {
    const hex = normalise(input.value);
    if (!hex) {
      verdict.textContent = "Type a hex code such as #0b5cad to see its contrast.";
      verdict.classList.remove("contrast-fails");
      return;
    }
    const ratio = contrastWithWhite(hex);
    const passes = ratio >= minimum;
    preview.style.setProperty("--preview", hex);
    verdict.textContent =
      "White text on " + hex + ": contrast " + shown(ratio) + ", " + (passes ? "passes" : "too low") +
      " (at least " + minimum + ":1 needed).";
    verdict.classList.toggle("contrast-fails", !passes);
    // Text in a colour that fails is not shown: the swatch and the sentence say enough.
    preview.querySelectorAll(".sample-text").forEach((sample) => {
      sample.hidden = !passes;
    });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(update, 250);  // the sentence is read aloud: not on every keystroke
  });
})();
