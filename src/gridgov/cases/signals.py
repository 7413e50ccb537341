"""Signals of the cases app: `case_changed` is sent inside the transaction of every change the
services make with QuerySet.update() (transitions, deadline ticks), which model signals miss."""
from django.dispatch import Signal

# Sent with case=<Case> (its grid_id, node_path, district_id and reported_at are what receivers use).
case_changed = Signal()
