/* The trustee's page: the key is made in this browser and leaves it only as a file locked with the
 * passphrase; the server gets the public key and its proof. After closing, the browser fetches the
 * bulletin, recomputes the tally from the ballots and decrypts only that sum (DJBallots). */
(function () {
  "use strict";
  const box = document.getElementById("trustee");
  if (!box || !window.DJBallots) return;
  const B = window.DJBallots;
  const status = document.getElementById("trustee-status");
  const texts = document.getElementById("ballot-messages").dataset;
  const csrf = box.querySelector("input[name=csrfmiddlewaretoken]").value;
  const index = Number(box.dataset.index);
  const evaluation = box.dataset.evaluation;

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf }, body: JSON.stringify(body),
    });
    const answer = await response.json().catch(() => null);
    if (!response.ok || !answer) throw refused(answer);
    return answer;
  }

  // The server's refusal carries its message in the user's language; without one, say so.
  function refused(answer) {
    if (answer && typeof answer.message === "string" && answer.message) {
      const error = new Error(answer.message);
      error.shown = true;
      return error;
    }
    return new B.BallotError("the server refused without a message", "server");
  }

  function run(form, work) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = form.querySelector("button");
      button.disabled = true;
      status.textContent = box.dataset.msgWorking;
      try {
        status.textContent = await work();
        form.hidden = true;
      } catch (error) {
        status.textContent = box.dataset.msgFailed + " " + B.explain(error, texts);
        status.dataset.detail = error.message; // the English detail, for whoever helps the trustee
        button.disabled = false;
      }
    });
  }

  const keyForm = document.getElementById("key-form");
  if (keyForm) {
    run(keyForm, async () => {
      const key = B.makeTrusteeKey(evaluation, index);
      const file = await B.sealKeyFile(evaluation, index, key.publicKey, key.secret,
                                       document.getElementById("passphrase").value);
      const link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([JSON.stringify(file)], { type: "application/json" }));
      link.download = "trustee-" + index + "-" + evaluation.slice(0, 8) + ".json";
      document.body.appendChild(link);
      link.click();
      link.remove();
      await post(box.dataset.keyUrl, { public_key: key.publicKey, key_proof: key.keyProof });
      return box.dataset.msgKeyDone;
    });
  }

  const decryptForm = document.getElementById("decrypt-form");
  if (decryptForm) {
    run(decryptForm, async () => {
      const text = await document.getElementById("key-file").files[0].text();
      let file;
      try {
        file = JSON.parse(text);
      } catch (e) {
        throw new B.BallotError("key file: not JSON", "key-file");
      }
      const key = await B.openKeyFile(file, document.getElementById("passphrase").value);
      if (key.evaluation !== evaluation || key.index !== index) {
        throw new B.BallotError("key file of another evaluation or trustee", "key");
      }
      const got = await fetch(box.dataset.bulletinUrl, { credentials: "same-origin" });
      const bulletin = await got.json().catch(() => null);
      if (!got.ok || !bulletin) throw refused(bulletin);
      const shares = B.partialDecrypt(bulletin.manifest, bulletin.ballots, bulletin.tally, index, key.secret);
      await post(box.dataset.decryptionUrl, { shares: shares });
      return box.dataset.msgDecrypted;
    });
  }
})();
