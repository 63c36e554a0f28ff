"""Privacy: retention of applicants' data, and data subject requests (export, erasure)."""
