"""Secret-ballot democratic evaluation (干部考察民主测评, 民主评议党员; issue 18): encrypted ballots
cast in the voter's browser, trustees who alone can decrypt the tally, a public bulletin anyone
can check (``python -m dangjian.ballots.verify``). The protocol: docs/modules/ballots-protocol.md;
the module: docs/modules/ballots.md."""

# The choices live in ``choices.py``: the verifier imports this package and must not load Django.
