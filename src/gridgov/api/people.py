"""People registry endpoints (being written).
Thin: the app's services do the work; every query goes through gridgov.people.scoping."""
from ninja import Router

router = Router()
