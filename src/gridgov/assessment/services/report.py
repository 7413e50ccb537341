"""Assessment services: report."""
