"""Participation: the three lists (resources, needs, projects) and booking of shared resources,
deliberation, mediation, service-centre activities and education, funds and brand projects (MISSION.md §3.6–3.7, §4, §6)."""
