"""gridgov: the platform for party-building-led, grid-based grassroots governance.
Django project package; each bounded context is an app below it."""
