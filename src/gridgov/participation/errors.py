"""Errors of the participation domain: the message is for the user (gettext) and shown as is; views
turn ParticipationError into a form error or a 422, NotAllowed into a 403, Conflict into a 409."""


class ParticipationError(ValueError):
    """A request the rules refuse (bad input, a state that does not allow it)."""


class NotAllowed(ParticipationError):
    """The user's posts do not grant this action at this place."""


class Conflict(ParticipationError):
    """Someone else got there first (the slot is taken, the vote was already cast)."""
