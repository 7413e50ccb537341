"""Admin for participation mediation models."""
