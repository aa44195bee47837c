"""What every app's ninja router builds on: bearer-token auth, the JSON error shape
(``ApiError``), shared schemas and ``clean_text``. Lives in ``core`` so that domain apps never
import ``dangjian.api``, which only mounts the routers under /api/v1."""
