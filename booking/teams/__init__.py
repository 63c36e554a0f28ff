"""Teams and the meeting types they serve."""
