"""The append-only audit log: who changed or read what, and when."""
