"""The REST API (django-ninja) under /api/: thin routers over each app's services.
Token or session auth; errors are JSON with a code and a Chinese message."""
