"""URLs of the dashboard pages (included at "dashboard/"), gathered from one module per area."""
from . import urls_boards, urls_map

app_name = "dashboard"
urlpatterns = []
for module in (urls_boards, urls_map):
    urlpatterns += module.urlpatterns
