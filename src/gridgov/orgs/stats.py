"""Counts of the organisations for `gridgov stats`: party organisations, grid party branches,
partner units, agreements, alliances, expanded committees and service centres of a district."""
from django.db.models import Count, Q

from .models import Agreement, Alliance, ExpandedCommittee, PartnerUnit, PartyOrg, ServiceCentre


def counts(district):
    # The key names are a contract read by other tools: never rename them.
    orgs = PartyOrg.objects.filter(district=district).aggregate(
        party_org=Count("id"),
        grid_party_branch=Count("id", filter=Q(is_grid_branch=True)),
        org_meets_standard=Count("id", filter=Q(meets_standard=True)),
    )
    return {
        "party_org": orgs["party_org"],
        "grid_party_branch": orgs["grid_party_branch"],
        "service_centre": ServiceCentre.objects.filter(district=district).count(),
        "partner_unit": PartnerUnit.objects.filter(district=district).count(),
        "agreement": Agreement.objects.filter(district=district).count(),
        "alliance": Alliance.objects.filter(district=district).count(),
        "expanded_committee": ExpandedCommittee.objects.filter(district=district).count(),
        "org_meets_standard": orgs["org_meets_standard"],
    }
