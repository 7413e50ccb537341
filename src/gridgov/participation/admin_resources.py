"""Admin for participation resources models."""
