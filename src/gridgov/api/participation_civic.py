"""Participation API endpoints (civic). Thin: gridgov.participation.services does the work; every query
goes through scoping.scope()."""
from ninja import Router

router = Router()
