"""Periodic jobs: one module per concern, registered explicitly in `registry`."""
