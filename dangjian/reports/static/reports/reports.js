/* Reports: the proof of work on the reporter's forms, and the receipt's copy / print / save.
   A form with data-pow="submit|follow" asks /api/v1/reports/challenge for a signed challenge,
   finds a nonce whose SHA-256("challenge:nonce") starts with `bits` zero bits (WebCrypto), puts
   both in its hidden fields and submits. Nothing about the reporter is stored in the browser. */
(function () {
  "use strict";
  function zeroBits(buf) {
    var bytes = new Uint8Array(buf), bits = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { bits += 8; continue; }
      return bits + Math.clz32(bytes[i]) - 24;
    }
    return bits;
  }
  async function solve(challenge, bits) {
    var enc = new TextEncoder();
    for (var n = 0; ; n += 64) {
      var tries = [];
      for (var k = 0; k < 64; k++) tries.push(crypto.subtle.digest("SHA-256", enc.encode(challenge + ":" + (n + k))));
      var done = await Promise.all(tries);
      for (k = 0; k < done.length; k++) if (zeroBits(done[k]) >= bits) return String(n + k);
    }
  }
  document.querySelectorAll("form[data-pow]").forEach(function (form) {
    form.addEventListener("submit", async function (ev) {
      if (form.dataset.solved === "1") return;
      ev.preventDefault();
      var status = form.querySelector(".pow-status");
      var button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      if (status) status.textContent = form.dataset.msgWorking || "";
      try {
        var r = await fetch("/api/v1/reports/challenge?purpose=" + encodeURIComponent(form.dataset.pow),
                            {credentials: "omit", cache: "no-store"});
        var c = await r.json();
        form.elements.pow_challenge.value = c.challenge;
        form.elements.pow_nonce.value = await solve(c.challenge, c.bits);
        form.dataset.solved = "1";
        form.submit();
      } catch (e) {
        if (status) status.textContent = form.dataset.msgFailed || "";
        if (button) button.disabled = false;
      }
    });
  });
  var phoneSend = document.getElementById("phone-send");
  if (phoneSend) phoneSend.addEventListener("click", async function () {
    var form = phoneSend.form, box = document.getElementById("phone-verify");
    var status = document.getElementById("phone-status");
    phoneSend.disabled = true;
    try {
      var r = await fetch("/api/v1/reports/challenge?purpose=phone", {credentials: "omit", cache: "no-store"});
      var c = await r.json();
      var nonce = await solve(c.challenge, c.bits);
      r = await fetch("/api/v1/reports/phone-code", {method: "POST", credentials: "omit", cache: "no-store",
        headers: {"Content-Type": "application/json"},
        body: JSON.stringify({phone: form.elements.phone.value, proof: {challenge: c.challenge, nonce: nonce}})});
      var answer = await r.json();
      if (!r.ok) throw new Error(answer.message || "");
      form.elements.phone_token.value = answer.phone_token;
      status.textContent = box.dataset.msgSent;
    } catch (e) {
      status.textContent = (e && e.message) || box.dataset.msgFailed;
    }
    phoneSend.disabled = false;
  });
  var receipt = document.getElementById("receipt-code");
  if (receipt) {
    var text = receipt.textContent.trim();
    var copy = document.getElementById("receipt-copy");
    if (copy) copy.addEventListener("click", function () {
      navigator.clipboard.writeText(text).then(function () { copy.textContent = copy.dataset.done; });
    });
    var print = document.getElementById("receipt-print");
    if (print) print.addEventListener("click", function () { window.print(); });
    var save = document.getElementById("receipt-save");
    if (save) save.addEventListener("click", function () {
      var blob = new Blob([save.dataset.label + "\n" + text + "\n"], {type: "text/plain"});
      var a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = "receipt.txt";
      document.body.appendChild(a); a.click(); a.remove();
    });
  }
})();
