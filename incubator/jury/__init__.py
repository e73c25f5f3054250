"""Jury day: pitch sessions, juries, conflicts of interest, scoring grids, deliberation, decisions."""
