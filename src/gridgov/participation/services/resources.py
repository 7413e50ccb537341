"""Participation services: resources."""
