"""Participation services: activities."""
