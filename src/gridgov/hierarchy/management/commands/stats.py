"""`gridgov stats [--json]`: per district, its levels and the counts every app contributes.

Each installed gridgov app may define `stats.counts(district) -> dict`; keys are merged
under "counts" (a contract other tools read: keys are never renamed)."""
import json

from django.core.management.base import BaseCommand

from gridgov.extensions import app_modules
from gridgov.hierarchy.models import District


def collect():
    providers = [module.counts for module in app_modules("stats")]
    result = []
    for district in District.objects.order_by("code"):
        counts = {}
        for provider in providers:
            counts.update(provider(district))
        result.append({"code": district.code, "name": district.name, "levels": district.levels, "counts": counts})
    return {"districts": result}


class Command(BaseCommand):
    help = "Print the counts of every district."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="one JSON object")

    def handle(self, *args, **opts):
        data = collect()
        if opts["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        for d in data["districts"]:
            self.stdout.write(f"{d['name']} {d['code']}  {' / '.join(d['levels'])}")
            for key, value in d["counts"].items():
                self.stdout.write(f"  {key:<28}{value:>10}")
