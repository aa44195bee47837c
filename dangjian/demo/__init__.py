"""The demo county: a fictional, deterministic data set for trying the platform and for the
benchmarks (``python manage.py seed_demo``)."""
