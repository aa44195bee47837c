/* The voter's page: the voting code comes from the URL fragment (#CODE, never sent to the server)
 * or is typed; the ballot is encrypted here (DJBallots, crypto.js) and cast in one step. */
(function () {
  "use strict";
  const form = document.getElementById("vote-form");
  if (!form || !window.DJBallots) return;
  const status = document.getElementById("vote-status");
  const texts = document.getElementById("ballot-messages").dataset;
  const code = document.getElementById("credential");
  const fragment = decodeURIComponent(window.location.hash.replace(/^#/, ""));
  if (fragment) {
    code.value = fragment;
    // the code leaves the address bar (and the history) once read
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  let manifestText = null;
  fetch(form.dataset.manifestUrl, { credentials: "omit" })
    .then((r) => r.json())
    .then((data) => {
      manifestText = data.manifest_text;
      const eid = document.getElementById("eid").dataset.eid;
      if (window.DJBallots.sha256hex(new TextEncoder().encode(manifestText)) !== eid || data.eid !== eid) {
        manifestText = null;
        status.textContent = form.dataset.msgMismatch;
      }
    })
    .catch(() => { status.textContent = texts.errNetwork; });

  // The server's refusal carries its message in the user's language; without one, say so.
  function refused(answer) {
    if (answer && typeof answer.message === "string" && answer.message) {
      const error = new Error(answer.message);
      error.shown = true;
      return error;
    }
    return new window.DJBallots.BallotError("the server refused without a message", "server");
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!manifestText) { status.textContent = form.dataset.msgMismatch; return; }
    const picks = [];
    for (const fs of form.querySelectorAll("fieldset[data-question]")) {
      const checked = fs.querySelector("input:checked");
      if (!checked) { status.textContent = form.dataset.msgMissing; return; }
      picks.push(Number(checked.value));
    }
    const button = document.getElementById("cast");
    button.disabled = true;
    status.textContent = form.dataset.msgSending;
    // Let the page show "encrypting…" before the work (≈ 0.1–2.5 s on a phone) holds the thread.
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    try {
      const made = window.DJBallots.encryptBallot(manifestText, picks);
      const response = await fetch(form.dataset.castUrl, {
        method: "POST", credentials: "omit", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ credential: code.value, ballot: made.ballot }),
      });
      const answer = await response.json().catch(() => null);
      if (!response.ok || !answer) throw refused(answer);
      if (answer.receipt !== made.receipt) throw refused({ message: form.dataset.msgMismatch });
      form.hidden = true;
      document.getElementById("vote-receipt").textContent = answer.receipt;
      const done = document.getElementById("vote-done");
      done.hidden = false;
      done.focus();
    } catch (error) {
      status.textContent = form.dataset.msgFailed + " " + window.DJBallots.explain(error, texts);
      status.dataset.detail = error.message; // the English detail, for whoever helps the voter
      button.disabled = false;
    }
  });
})();
