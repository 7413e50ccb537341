"""Audit and account hardening: the history of changes to cases, people and scores (/audit/),
the login lock-out page and the Content-Security-Policy header."""
