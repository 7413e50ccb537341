"""Admin for assessment lists models."""
