"""Counts of the people registries for `gridgov stats`: party members, dual-registered members,
volunteers, lane chiefs and stewards, community workers and residents of a district."""
from .models import CommunityWorker, DualRegistration, PartyMember, Post, Resident, Volunteer
from .roles import LANE_ROLES


def counts(district):
    # The key names are a contract read by other tools: never rename them.
    return {
        "party_member": PartyMember.objects.filter(district=district).exclude(status__in=["transferred_out", "deceased"]).count(),
        "dual_registered": DualRegistration.objects.filter(district=district, active=True).values("member_id").distinct().count(),
        "volunteer": Volunteer.objects.filter(district=district).count(),
        "lane_chief": Post.objects.filter(district=district, role__in=LANE_ROLES).count(),
        "community_worker": CommunityWorker.objects.filter(district=district).count(),
        "resident": Resident.objects.filter(district=district).count(),
    }
