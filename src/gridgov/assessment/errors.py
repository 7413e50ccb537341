"""Errors of the assessment domain: the message is Chinese-ready (gettext) and shown to the user as is;
views turn AssessmentError into a form error or a 422, NotAllowed into a 403."""


class AssessmentError(ValueError):
    """A request the rules refuse (bad input, a quota reached, a state that does not allow it)."""


class NotAllowed(AssessmentError):
    """The user's posts do not grant this action at this place."""
