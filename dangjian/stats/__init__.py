"""Statistics (issue 15, E7): the consumers of ``core.stats``'s figure registry — year-end party
statistics tables (党内统计), the overview screen (大屏), statistics pages and ``/api/v1/stats``.
Owns no other module's tables: every number comes from a registered figure."""
