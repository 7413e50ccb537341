"""Organisations: party organisations as a tree attached to hierarchy nodes, partner units,
co-building agreements, alliances, expanded committees and service centres."""
