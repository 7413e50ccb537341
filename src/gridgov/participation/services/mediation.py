"""Participation services: mediation."""
