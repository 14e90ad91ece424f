"""BCP drills and disaster-recovery commands for the lofin lab (issue 5)."""
