"""The analysis pipeline, in plain Python (no Django): normalisation and segmentation
(:mod:`.text`), keywords and topics (:mod:`.topics`), near-duplicates (:mod:`.duplicates`),
sentiment and routing classifiers (:mod:`.classify`), pain points and run-to-run diffs
(:mod:`.scores`). Everything is deterministic: fixed seeds, inputs sorted by the caller,
ties broken by id.
"""

#: Stored with every run; bump when a change alters the results for the same input.
PIPELINE_VERSION = "1"
