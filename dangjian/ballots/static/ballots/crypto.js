/* Secret-ballot cryptography in the voter's and the trustee's browser.
 *
 * Implements docs/modules/ballots-protocol.md (versions 1 and 2) byte for byte: the server
 * (dangjian/ballots/crypto.py) and the independent verifier check what this file produces.
 * Group: ristretto255 from the vendored @noble/curves bundle
 * (static/vendor/noble-curves-<version>/noble-ballots.js, global `nobleBallots`), loaded before this file.
 *
 * Defines one global, `DJBallots`:
 *   encryptBallot(manifestText, picks)           -> {ballot, receipt, election}     (voter)
 *   makeTrusteeKey(evaluationUuid, index)        -> {secret, publicKey, keyProof}   (trustee)
 *   sealKeyFile(evaluationUuid, index, publicKey, secret, passphrase) -> Promise<key file>
 *   openKeyFile(file, passphrase)                -> Promise<{evaluation, index, publicKey, secret}>
 *   recomputeTally(manifest, ballots)            -> tally
 *   partialDecrypt(manifest, ballots, tally, index, secret) -> shares (checks the tally first)
 * and the building blocks (canon, sha256hex, Hs, point and scalar codecs, checkKeyProof,
 * checkManifest) so that they can be tested against the server's code.
 *
 * Errors are thrown as BallotError: an English message naming what failed (for tests and support)
 * and a `kind` ("data", "manifest", "picks", "key", "key-file", "passphrase", "too-few",
 * "bulletin"); `explain(error, messages)` gives the text to show the user, translated: `messages`
 * is the dataset of the page's #ballot-messages element (templates/ballots/_js_messages.html,
 * one data-err-<kind> attribute per kind, plus "server" and "network").
 * CSP: loaded from 'self'; no eval, no inline code. Randomness: crypto.getRandomValues only. */
(function () {
  "use strict";

  const noble = window.nobleBallots;
  const Point = noble.ristretto255.Point;
  const G = Point.BASE;
  const L = 2n ** 252n + 27742317777372353535851937790883648493n; // the group order ℓ
  const PREFIX = "dangjian-ballots-v1|";
  const KEY_FILE_FORMAT = "dangjian-ballots-key/1";
  const KEY_FILE_ITERATIONS = 600000;
  const utf8 = new TextEncoder();

  class BallotError extends Error {
    constructor(message, kind) {
      super(message);
      this.name = "BallotError";
      this.kind = kind || "data";
    }
  }

  function fail(message, kind) {
    throw new BallotError(message, kind);
  }

  // Runs work(); a failure in it is of `kind` (unless it already has a kind of its own).
  function as(kind, work) {
    try {
      return work();
    } catch (e) {
      if (!(e instanceof BallotError)) fail(String((e && e.message) || e), kind);
      if (e.kind === "data") e.kind = kind;
      throw e;
    }
  }

  // The text to show the user for `error`, from the page's translated messages (see the top).
  function explain(error, messages) {
    if (error instanceof BallotError) {
      const key = "err" + error.kind.replace(/(^|-)([a-z])/g, (_m, _d, c) => c.toUpperCase());
      return messages[key] || messages.errData;
    }
    if (error && error.shown) return error.message; // already the user's text (the server's answer)
    return messages.errNetwork;
  }

  // --- Bytes, hex, base64 ----------------------------------------------------------------------

  function toHex(bytes) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function fromHex32(hex, what) {
    if (typeof hex !== "string" || !/^[0-9a-f]{64}$/.test(hex)) {
      fail(`${what}: expected 64 lowercase hex characters`);
    }
    const bytes = new Uint8Array(32);
    for (let i = 0; i < 32; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    return bytes;
  }

  function toBase64(bytes) {
    return btoa(String.fromCharCode(...bytes));
  }

  function fromBase64(text, what) {
    try {
      return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    } catch (e) {
      fail(`${what}: not base64`);
    }
  }

  function sha256hex(bytes) {
    return toHex(noble.sha256(bytes));
  }

  // --- Canonical JSON: json.dumps(x, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
  // Only strings, integers, lists and objects occur. JSON.stringify escapes strings as Python
  // does for these (", \, control characters; other characters as themselves). Keys are sorted
  // by UTF-16 code units, which equals Python's code-point order for the protocol's ASCII keys.

  function canon(x) {
    if (Array.isArray(x)) return "[" + x.map(canon).join(",") + "]";
    if (x !== null && typeof x === "object") {
      const keys = Object.keys(x).sort();
      return "{" + keys.map((k) => JSON.stringify(k) + ":" + canon(x[k])).join(",") + "}";
    }
    if (typeof x === "string") return JSON.stringify(x);
    if (Number.isSafeInteger(x)) return String(x);
    return fail("canonical JSON: only strings, integers, lists and objects");
  }

  // --- Scalars (32 bytes little-endian, < ℓ) and points (canonical ristretto255 encoding) -----

  function mod(a) {
    const r = a % L;
    return r < 0n ? r + L : r;
  }

  function bytesToNumberLE(bytes) {
    let n = 0n;
    for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]);
    return n;
  }

  function scalarHex(k) {
    const bytes = new Uint8Array(32);
    let n = mod(k);
    for (let i = 0; i < 32; i++, n >>= 8n) bytes[i] = Number(n & 0xffn);
    return toHex(bytes);
  }

  function parseScalar(hex, what) {
    const k = bytesToNumberLE(fromHex32(hex, what));
    if (k >= L) fail(`${what}: scalar not below the group order`);
    return k;
  }

  function pointHex(P) {
    return toHex(P.toBytes());
  }

  // Refuses non-canonical or invalid encodings, and the identity.
  function parsePoint(hex, what) {
    let P;
    try {
      P = Point.fromBytes(fromHex32(hex, what));
    } catch (e) {
      if (e instanceof BallotError) throw e;
      fail(`${what}: not a valid ristretto255 point`);
    }
    if (P.is0()) fail(`${what}: the identity point is not allowed`);
    return P;
  }

  // k·P for any scalar k (noble's multiply refuses 0).
  function mul(P, k) {
    k = mod(k);
    return k === 0n ? Point.ZERO : P.multiply(k);
  }

  // 64 random bytes, read little-endian, reduced mod ℓ (negligible bias).
  function randomScalar() {
    return mod(bytesToNumberLE(crypto.getRandomValues(new Uint8Array(64))));
  }

  // Hs(tag, item...): SHA-512 of PREFIX + tag, then per item its length (4 bytes big-endian)
  // and its bytes; the digest read little-endian, mod ℓ. An item is a Point (its 32 encoded
  // bytes), a string (its UTF-8: the election fingerprint, a trustee index in decimal) or bytes.
  function Hs(tag, ...items) {
    const parts = [utf8.encode(PREFIX + tag)];
    for (const item of items) {
      let bytes;
      if (item instanceof Point) bytes = item.toBytes();
      else if (typeof item === "string") bytes = utf8.encode(item);
      else if (item instanceof Uint8Array) bytes = item;
      else fail("Hs: an item is a point, a string or bytes");
      const len = new Uint8Array(4);
      new DataView(len.buffer).setUint32(0, bytes.length, false);
      parts.push(len, bytes);
    }
    const message = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const p of parts) {
      message.set(p, offset);
      offset += p.length;
    }
    return mod(bytesToNumberLE(noble.sha512(message)));
  }

  // --- Trustee keys ----------------------------------------------------------------------------

  function keyProof(evaluationUuid, index, x, Y) {
    const w = randomScalar();
    const c = Hs("key", evaluationUuid, String(index), Y, mul(G, w));
    return { c: scalarHex(c), s: scalarHex(w + c * x) };
  }

  function checkKeyProof(evaluationUuid, index, publicKeyHex, proof) {
    const Y = parsePoint(publicKeyHex, `trustee ${index} public_key`);
    const c = parseScalar(proof.c, `trustee ${index} key_proof.c`);
    const s = parseScalar(proof.s, `trustee ${index} key_proof.s`);
    const T = mul(G, s).subtract(mul(Y, c));
    return c === Hs("key", evaluationUuid, String(index), Y, T);
  }

  function makeTrusteeKey(evaluationUuid, index) {
    const x = randomScalar();
    const Y = mul(G, x);
    return { secret: scalarHex(x), publicKey: pointHex(Y), keyProof: keyProof(evaluationUuid, index, x, Y) };
  }

  // The manifest must hold at least two trustees with valid key proofs whose keys add up to
  // public_key: a voter's browser does not encrypt to a key nobody can account for.
  function checkManifest(manifest) {
    if (manifest.version !== 1 && manifest.version !== 2) fail("manifest.version: only versions 1 and 2 are known");
    if (!Array.isArray(manifest.questions) || manifest.questions.length === 0) fail("manifest.questions: empty");
    for (const q of manifest.questions) {
      if (!Array.isArray(q.options) || q.options.length < 2) fail(`manifest question ${q.id}: fewer than two options`);
    }
    if (!Array.isArray(manifest.trustees) || manifest.trustees.length < 2) fail("manifest.trustees: fewer than two");
    let sum = Point.ZERO;
    for (const t of manifest.trustees) {
      if (!checkKeyProof(manifest.evaluation, t.index, t.public_key, t.key_proof)) {
        fail(`trustee ${t.index}: the key proof does not verify`);
      }
      sum = sum.add(parsePoint(t.public_key, `trustee ${t.index} public_key`));
    }
    const PK = parsePoint(manifest.public_key, "manifest.public_key");
    if (!PK.equals(sum)) fail("manifest.public_key: not the sum of the trustees' keys");
    return PK;
  }

  // --- Ballots ---------------------------------------------------------------------------------

  // One ElGamal ciphertext of m ∈ {0, 1} with its disjunctive 0-or-1 proof. Protocol version 2
  // publishes the proof's commitments (a0, b0, a1, b1) and c0 instead of c0 and c1, so that the
  // server and the verifier can check many proofs in one batch; the proof itself is the same.
  function encryptChoice(eid, PK, m, version) {
    const r = randomScalar();
    const alpha = mul(G, r);
    const beta = mul(G, BigInt(m)).add(mul(PK, r));
    const t = m; // the real branch
    const u = 1 - m; // the simulated branch
    const w = randomScalar();
    const c = [0n, 0n];
    const s = [0n, 0n];
    const a = [null, null];
    const b = [null, null];
    c[u] = randomScalar();
    s[u] = randomScalar();
    a[t] = mul(G, w);
    b[t] = mul(PK, w);
    a[u] = mul(G, s[u]).subtract(mul(alpha, c[u]));
    b[u] = mul(PK, s[u]).subtract(mul(beta.subtract(mul(G, BigInt(u))), c[u]));
    const challenge = Hs("01", eid, alpha, beta, a[0], b[0], a[1], b[1]);
    c[t] = mod(challenge - c[u]);
    s[t] = mod(w + c[t] * r);
    const proof = version === 2
      ? { a0: pointHex(a[0]), a1: pointHex(a[1]), b0: pointHex(b[0]), b1: pointHex(b[1]),
          c0: scalarHex(c[0]), s0: scalarHex(s[0]), s1: scalarHex(s[1]) }
      : { c0: scalarHex(c[0]), c1: scalarHex(c[1]), s0: scalarHex(s[0]), s1: scalarHex(s[1]) };
    return { r, alpha, beta, json: { alpha: pointHex(alpha), beta: pointHex(beta), proof: proof } };
  }

  // One answer: a one-hot vector over the options, and the proof that it sums to one. Version 2
  // hashes every ciphertext of the answer (not their sums) and publishes the commitments a, b.
  function encryptAnswer(eid, PK, nOptions, pick, version) {
    const choices = [];
    for (let j = 0; j < nOptions; j++) choices.push(encryptChoice(eid, PK, j === pick ? 1 : 0, version));
    const A = choices.reduce((sum, ch) => sum.add(ch.alpha), Point.ZERO);
    const B = choices.reduce((sum, ch) => sum.add(ch.beta), Point.ZERO);
    const R = mod(choices.reduce((sum, ch) => sum + ch.r, 0n));
    const w = randomScalar();
    const a = mul(G, w);
    const b = mul(PK, w);
    if (version === 2) {
      const items = choices.map((ch) => ch.alpha).concat(choices.map((ch) => ch.beta));
      const c = Hs("sum-v2", eid, ...items, a, b);
      return { choices: choices.map((ch) => ch.json), proof: { a: pointHex(a), b: pointHex(b), s: scalarHex(w + c * R) } };
    }
    const c = Hs("sum", eid, A, B, a, b);
    return { choices: choices.map((ch) => ch.json), proof: { c: scalarHex(c), s: scalarHex(w + c * R) } };
  }

  // manifestText: the exact canonical JSON the server hashed; picks: one option index per
  // question, in manifest order. Returns the ballot (keys in sorted order), its receipt and eid.
  function encryptBallot(manifestText, picks) {
    const eid = sha256hex(utf8.encode(manifestText));
    const manifest = as("manifest", () => JSON.parse(manifestText));
    const PK = as("manifest", () => checkManifest(manifest));
    const questions = manifest.questions;
    if (!Array.isArray(picks) || picks.length !== questions.length) fail("picks: one per question", "picks");
    const answers = questions.map((q, i) => {
      const pick = picks[i];
      if (!Number.isInteger(pick) || pick < 0 || pick >= q.options.length) fail(`picks[${i}]: no such option`, "picks");
      return encryptAnswer(eid, PK, q.options.length, pick, manifest.version);
    });
    const ballot = { answers: answers, election: eid };
    const text = canon(ballot);
    if (text !== JSON.stringify(ballot)) fail("ballot: not in canonical key order"); // cannot happen
    return { ballot: ballot, receipt: sha256hex(utf8.encode(text)), election: eid };
  }

  // --- Tally and decryption (trustee) ----------------------------------------------------------

  function electionId(manifest) {
    return sha256hex(utf8.encode(canon(manifest)));
  }

  // Per question and option, (Σ alpha, Σ beta) over the ballots. Checks each ballot's election,
  // shape and encodings (not its proofs: the server and the verifier check those).
  function recomputeTally(manifest, ballots) {
    const eid = electionId(manifest);
    const sums = manifest.questions.map((q) => q.options.map(() => ({ alpha: Point.ZERO, beta: Point.ZERO })));
    ballots.forEach((ballot, n) => {
      if (ballot.election !== eid) fail(`ballot ${n}: another election`);
      if (!Array.isArray(ballot.answers) || ballot.answers.length !== sums.length) fail(`ballot ${n}: wrong number of answers`);
      ballot.answers.forEach((answer, i) => {
        if (!Array.isArray(answer.choices) || answer.choices.length !== sums[i].length) {
          fail(`ballot ${n} answer ${i}: wrong number of choices`);
        }
        answer.choices.forEach((choice, j) => {
          const cell = sums[i][j];
          cell.alpha = cell.alpha.add(parsePoint(choice.alpha, `ballot ${n} answer ${i} choice ${j} alpha`));
          cell.beta = cell.beta.add(parsePoint(choice.beta, `ballot ${n} answer ${i} choice ${j} beta`));
        });
      });
    });
    return sums.map((row) => row.map((cell) => ({ alpha: pointHex(cell.alpha), beta: pointHex(cell.beta) })));
  }

  // Trustee `index` decrypts the tally with secret x_i, after checking that the key is theirs,
  // that there are at least min_group ballots and that the tally is the sum of the ballots.
  // Returns one share {share: D, proof: {c, s}} per tally cell, D = x_i·alpha.
  function partialDecrypt(manifest, ballots, tally, index, secretHex) {
    const eid = electionId(manifest);
    const x = as("key", () => parseScalar(secretHex, "secret"));
    const trustee = manifest.trustees.find((t) => t.index === index);
    if (!trustee) fail(`trustee ${index}: not in the manifest`, "key");
    if (pointHex(mul(G, x)) !== trustee.public_key) fail(`secret: not the key of trustee ${index}`, "key");
    if (ballots.length === 0 || ballots.length < manifest.min_group) {
      fail(`ballots: ${ballots.length}, fewer than min_group (${manifest.min_group}); nothing is decrypted`, "too-few");
    }
    const sums = as("bulletin", () => recomputeTally(manifest, ballots));
    if (canon(sums) !== canon(tally)) fail("tally: not the sum of the ballots", "bulletin");
    return tally.map((row, i) => row.map((cell, j) => {
      const alpha = parsePoint(cell.alpha, `tally ${i} ${j} alpha`);
      const D = mul(alpha, x);
      const w = randomScalar();
      const c = Hs("dec", eid, String(index), alpha, D, mul(G, w), mul(alpha, w));
      return { proof: { c: scalarHex(c), s: scalarHex(w + c * x) }, share: pointHex(D) };
    }));
  }

  // --- The trustee's key file: PBKDF2-HMAC-SHA-256 + AES-256-GCM (WebCrypto) -------------------

  async function fileKey(passphrase, salt, iterations, usage) {
    const base = await crypto.subtle.importKey("raw", utf8.encode(passphrase), "PBKDF2", false, ["deriveKey"]);
    return crypto.subtle.deriveKey(
      { name: "PBKDF2", hash: "SHA-256", salt: salt, iterations: iterations },
      base, { name: "AES-GCM", length: 256 }, false, [usage]);
  }

  async function sealKeyFile(evaluationUuid, index, publicKeyHex, secretHex, passphrase) {
    if (pointHex(mul(G, parseScalar(secretHex, "secret"))) !== publicKeyHex) fail("secret: does not match public_key");
    const salt = crypto.getRandomValues(new Uint8Array(16));
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const key = await fileKey(passphrase, salt, KEY_FILE_ITERATIONS, "encrypt");
    const ciphertext = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv: iv, additionalData: utf8.encode(`${evaluationUuid}|${index}`) },
      key, fromHex32(secretHex, "secret"));
    return {
      format: KEY_FILE_FORMAT, evaluation: evaluationUuid, index: index, public_key: publicKeyHex,
      salt: toBase64(salt), iv: toBase64(iv), iterations: KEY_FILE_ITERATIONS,
      ciphertext: toBase64(new Uint8Array(ciphertext)),
    };
  }

  async function openKeyFile(file, passphrase) {
    if (!file || file.format !== KEY_FILE_FORMAT) fail("key file: unknown format", "key-file");
    if (!Number.isInteger(file.iterations) || file.iterations < KEY_FILE_ITERATIONS) {
      fail("key file: too few iterations", "key-file");
    }
    const salt = as("key-file", () => fromBase64(file.salt, "key file salt"));
    const iv = as("key-file", () => fromBase64(file.iv, "key file iv"));
    const sealed = as("key-file", () => fromBase64(file.ciphertext, "key file ciphertext"));
    const key = await fileKey(passphrase, salt, file.iterations, "decrypt");
    let plain;
    try {
      plain = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: iv, additionalData: utf8.encode(`${file.evaluation}|${file.index}`) }, key, sealed);
    } catch (e) {
      fail("key file: wrong passphrase, or the file was altered", "passphrase");
    }
    const secret = toHex(new Uint8Array(plain));
    if (secret.length !== 64 || as("key-file", () => pointHex(mul(G, parseScalar(secret, "secret")))) !== file.public_key) {
      fail("key file: the secret does not match public_key", "key-file");
    }
    return { evaluation: file.evaluation, index: file.index, publicKey: file.public_key, secret: secret };
  }

  window.DJBallots = Object.freeze({
    BallotError, explain, canon, sha256hex, Hs, electionId,
    parsePoint, pointHex, parseScalar, scalarHex, randomScalar,
    checkKeyProof, checkManifest, makeTrusteeKey, sealKeyFile, openKeyFile,
    encryptBallot, recomputeTally, partialDecrypt,
  });
})();
