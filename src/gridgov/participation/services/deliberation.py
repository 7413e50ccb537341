"""Participation services: deliberation."""
