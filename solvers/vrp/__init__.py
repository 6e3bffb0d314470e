"""Vehicle routing solvers."""
