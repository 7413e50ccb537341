"""The assessment domain operations, one module per area: index (schemes, monthly runs, grades),
report (the vanguard report), meetings, points, stars, lists (four lists, reports, appraisals), alerts.
Views, API handlers and commands call these; nothing else writes the assessment tables."""
