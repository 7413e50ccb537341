"""Admin for assessment alerts models."""
