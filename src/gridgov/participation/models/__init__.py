"""The participation models, one module per area (resources and booking, deliberation, mediation,
activities, funds); importing them here is what Django needs to find them."""
from .activities import Event, SignUp  # noqa: F401
from .deliberation import (  # noqa: F401
    Ballot, Deliberation, Motion, Participant, Resolution, ResolutionTask, Topic, VoteReceipt,
)
from .funds import Allocation, BrandProject, Budget, Milestone, Spending  # noqa: F401
from .mediation import FollowUp, Mediation, MediationParty, MediationSession  # noqa: F401
from .resources import BlockedPeriod, Booking, BookingSlot, Need, Project, Resource  # noqa: F401
