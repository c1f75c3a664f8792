// ALTCHA proof of work (protocol v1, SHA-256) for the booking form: find the number n with
// sha256(salt + n) == challenge, then send {algorithm, challenge, number, salt, signature} as
// base64 JSON in the hidden field "altcha". Runs in the browser with WebCrypto; no third party.
(function () {
  "use strict";
  var form = document.getElementById("buchungsformular");
  if (!form || !window.crypto || !window.crypto.subtle) { return; }
  var field = form.elements.namedItem("altcha");
  var status = document.getElementById("altcha-status");
  var button = form.querySelector("button[type=submit]");
  var data = form.dataset;
  var encoder = new TextEncoder();
  var done = false;

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  async function solve() {
    var max = parseInt(data.altchaMax, 10);
    for (var n = 0; n <= max; n++) {
      var digest = await window.crypto.subtle.digest("SHA-256", encoder.encode(data.altchaSalt + n));
      if (hex(digest) === data.altchaChallenge) { return n; }
    }
    return null;
  }

  button.disabled = true;
  status.textContent = "Sicherheitsprüfung läuft …";
  solve().then(function (n) {
    if (n === null) { status.textContent = "Die Sicherheitsprüfung ist fehlgeschlagen. Bitte laden Sie die Seite neu."; return; }
    field.value = btoa(JSON.stringify({algorithm: data.altchaAlgorithm, challenge: data.altchaChallenge,
                                       number: n, salt: data.altchaSalt, signature: data.altchaSignature}));
    done = true;
    button.disabled = false;
    status.textContent = "Sicherheitsprüfung abgeschlossen. Sie können jetzt buchen.";
  });
  form.addEventListener("submit", function (event) { if (!done) { event.preventDefault(); } });
}());
