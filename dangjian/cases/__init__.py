"""The case engine (交办 → 办理 → 反馈 → 督办 → 问责): departments, working-day deadlines, supervision."""
