"""The organization-work forum (组工论坛): boards, threads, replies, mentions, moderation (issue 7)."""
