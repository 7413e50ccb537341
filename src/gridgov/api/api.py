"""The NinjaAPI instance: authentication, JSON error format, and the routers of each app."""
from ninja import NinjaAPI

api = NinjaAPI(title="gridgov API", version="1", urls_namespace="api")
