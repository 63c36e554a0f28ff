"""Pure booking domain core: intervals, office calendar, free slots, routing and identifiers."""
