"""Meeting outcomes and the NKI survey sent after a meeting."""
