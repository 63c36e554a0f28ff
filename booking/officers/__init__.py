"""Officers, their weekly hours and absences."""
