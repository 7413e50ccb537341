"""Benchmark: a clean Excel import of 20,000 party members into Xiaodian (140105), on a throwaway
SQLite database in a temporary directory. Last line: {"bench": "import_members", "rows": …, "seconds": …}."""
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("GRIDGOV_VAR", tempfile.mkdtemp(prefix="gridgov-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from gridgov.demo.build import build  # noqa: E402
from gridgov.hierarchy.models import District, Node  # noqa: E402
from gridgov.people import excel  # noqa: E402
from tests.people.helpers import member_rows, workbook  # noqa: E402

ROWS = int(os.environ.get("ROWS", 20_000))

call_command("migrate", verbosity=0)
build(progress=False, codes={"140105"})
district = District.objects.get(code="140105")
codes = list(Node.objects.filter(district=district, kind="grid").order_by("code").values_list("code", flat=True)[:200])
data = workbook(member_rows(ROWS, "140105", codes))
from django.contrib.auth import get_user_model  # noqa: E402

admin = get_user_model().objects.get(username="district_admin.140105")
started = time.perf_counter()
result = excel.import_members(admin, district, data)
seconds = time.perf_counter() - started
assert result.ok and result.created == ROWS, result.errors[:5]
print(json.dumps({"bench": "import_members", "rows": ROWS, "seconds": round(seconds, 2)}))
