"""Allows `python -m gridgov …` as a synonym of the console script.
Useful where the venv's bin/ is not on PATH."""
from gridgov.cli import main

main()
