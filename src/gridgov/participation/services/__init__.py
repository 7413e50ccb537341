"""The participation domain operations, one module per area: resources (three lists, matching, booking),
funds (budgets, spending, brand projects), deliberation, mediation, activities (events, sign-up, training).
Views, API handlers and commands call these."""
