"""Office closures and the slot search that combines every source of busy time."""
