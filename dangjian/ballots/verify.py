"""Check a ballot evaluation's public bulletin, from the file alone.

    python -m dangjian.ballots.verify BULLETIN.json [--workers N]

Exit status 0 and a summary when everything checks; 1 and the first problem found otherwise
(2 for a file that cannot be read). It imports no Django and trusts nothing the server says: it
recomputes the fingerprint, the roll hash, every proof, the tally and every count. The format and
the checks are in docs/modules/ballots-protocol.md ("The bulletin").
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from dangjian.ballots import crypto
from dangjian.ballots.crypto import CryptoError

#: Ballots checked together (one batch in version 2): big enough to share the multi-scalar
#: multiplication's fixed costs, small enough to keep memory at a few tens of MB.
CHUNK = 500


class VerifyError(ValueError):
    """What in the bulletin does not check."""


def _check_chunk(args: tuple[dict[str, Any], str, int, list[dict[str, Any]]]) -> list[list[str]]:
    manifest, eid, start, ballots = args
    wheres = [f"ballot {start + n}" for n in range(1, len(ballots) + 1)]
    return [check.tags for check in crypto.check_ballots(manifest, eid, ballots, wheres)]


def _check_ballots(manifest: dict[str, Any], eid: str, ballots: list[dict[str, Any]], workers: int) -> list[list[str]]:
    """Every ballot's answer tags, checked a chunk at a time (a version 2 chunk is one batch, see
    ``crypto.check_ballots``); the chunks spread over ``workers`` processes. The first error in
    ballot order is raised, whichever process found it."""
    size = CHUNK if workers <= 1 else max(1, min(CHUNK, -(-len(ballots) // (workers * 4))))
    chunks = [(manifest, eid, i, ballots[i : i + size]) for i in range(0, len(ballots), size)]
    if workers <= 1 or len(ballots) < 200:
        return [tags for chunk in chunks for tags in _check_chunk(chunk)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return [tags for part in pool.map(_check_chunk, chunks) for tags in part]


def verify_bulletin(bulletin: Any, *, workers: int = 1) -> dict[str, Any]:
    """Raise VerifyError naming the first problem; return a summary when all checks."""
    try:
        return _verify(bulletin, workers)
    except CryptoError as exc:
        raise VerifyError(str(exc)) from None
    except (KeyError, TypeError, IndexError, AttributeError) as exc:
        raise VerifyError(f"malformed bulletin ({type(exc).__name__}: {exc})") from None


def _verify(b: dict[str, Any], workers: int) -> dict[str, Any]:
    if not isinstance(b, dict) or b.get("format") != crypto.FORMAT:
        raise VerifyError(f"not a bulletin in format {crypto.FORMAT}")
    manifest = b["manifest"]
    eid = crypto.manifest_fingerprint(manifest)
    if b["election"] != eid:
        raise VerifyError("the election fingerprint is not the hash of the manifest")
    # 2. the roll
    roll = b["roll"]
    if manifest["roll_hash"] != crypto.roll_hash(roll) or manifest["voters"] != len(roll):
        raise VerifyError("the roll does not match the manifest's roll hash or voter count")
    # 3. the trustees and the election key
    trustees = manifest["trustees"]
    if len(trustees) < 2 or sorted(t["index"] for t in trustees) != list(range(1, len(trustees) + 1)):
        raise VerifyError("at least two trustees, numbered 1…n, are needed")
    for t in trustees:
        crypto.check_key_proof(manifest["evaluation"], t["index"], t["public_key"], t["key_proof"])
    if crypto.combine_public_keys(t["public_key"] for t in trustees) != manifest["public_key"]:
        raise VerifyError("the election public key is not the sum of the trustees' keys")
    # 4. the ballots
    ballots = b["ballots"]
    tags = [tag for ballot_tags in _check_ballots(manifest, eid, ballots, workers) for tag in ballot_tags]
    if len(set(tags)) != len(tags):
        raise VerifyError("an answer appears in two ballots (a replay)")
    if not len(ballots) == b["credentials_used"] <= manifest["voters"]:
        raise VerifyError(
            f"{len(ballots)} ballots for {b['credentials_used']} credentials used and {manifest['voters']} voters"
        )
    # 5. the tally
    tally = crypto.tally(manifest, ballots)
    if b["tally"] != tally:
        raise VerifyError("the tally is not the sum of the ballots")
    # 6–7. decryptions and result
    if len(ballots) < manifest["min_group"]:
        if b["decryptions"] or b["result"] is not None:
            raise VerifyError(f"fewer than {manifest['min_group']} ballots, yet the tally was decrypted")
        return {"ballots": len(ballots), "result": None}
    for decryption in b["decryptions"]:
        crypto.check_decryption(manifest, eid, tally, decryption)
    result = crypto.decode_results(manifest, tally, b["decryptions"], len(ballots))
    if b["result"] != result:
        raise VerifyError("the published result is not what the trustees' decryptions give")
    return {"ballots": len(ballots), "result": result}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dangjian.ballots.verify", description=__doc__.split("\n")[0])
    parser.add_argument("bulletin", help="the bulletin JSON file")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes checking ballots")
    args = parser.parse_args(argv)
    try:
        with open(args.bulletin, encoding="utf-8") as f:
            bulletin = json.load(f)
    except (OSError, ValueError) as exc:
        print(f"cannot read {args.bulletin}: {exc}", file=sys.stderr)
        return 2
    try:
        summary = verify_bulletin(bulletin, workers=args.workers)
    except VerifyError as exc:
        print(f"INVALID: {exc}", file=sys.stderr)
        return 1
    result = summary["result"]
    shown = "not decrypted (below the group minimum)" if result is None else json.dumps(result)
    print(f"OK: {summary['ballots']} ballots, every proof checks; result {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
