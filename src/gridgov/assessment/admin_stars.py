"""Admin for assessment stars models."""
