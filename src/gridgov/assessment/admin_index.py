"""Admin for assessment index models."""
