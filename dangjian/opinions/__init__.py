"""Opinion express lane (S5, S6, S8, S10): intake, tracking, routing to cases (issue 7)."""
