"""Demo data of the assessment app, one module per area; demo_steps.py imports them in run order."""
