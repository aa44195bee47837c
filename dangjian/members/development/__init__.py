"""Member development pipeline (发展党员): 5 stages, 25 steps, time rules, public notices."""
