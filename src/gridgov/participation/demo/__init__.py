"""Demo data of the participation app, one module per area; demo_steps.py imports them in run order."""
