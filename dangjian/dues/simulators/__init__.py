"""Local stand-ins of the payment gateways for tests and the demo (never used in production).

They speak the vendors' real protocols so that the production adapters run unchanged against them.
"""
