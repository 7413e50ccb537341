"""Admin for participation deliberation models."""
