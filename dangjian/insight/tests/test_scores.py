from dangjian.insight.pipeline.scores import diff_runs


def test_diff_says_appeared_grew_merged_faded_and_kept():
    old = {1: ["a", "b", "c"], 2: ["d", "e"], 3: ["f", "g"], 4: ["h", "i", "j"], 5: ["k", "l"]}
    new = {10: ["a", "b", "c", "x", "y"], 11: ["d", "e", "f", "g"], 12: ["m", "n", "o"], 13: ["k", "l"]}
    changes = {(c.kind, c.old, c.new) for c in diff_runs(old, new)}
    assert changes == {("grew", (1,), 10), ("merged", (2, 3), 11), ("appeared", (), 12), ("faded", (4,), None),
                       ("kept", (5,), 13)}


def test_diff_of_empty_runs():
    assert diff_runs({}, {}) == []
    assert [c.kind for c in diff_runs({}, {1: ["a"]})] == ["appeared"]
