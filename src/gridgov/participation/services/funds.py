"""Participation services: funds."""
