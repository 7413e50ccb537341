"""API fuzzing, the long pass: schemathesis generates requests for every operation of the OpenAPI
spec and sends them in process (Django's WSGI handler, no server) as several demo logins.

Builds the demo (1 %) into a throwaway SQLite database, or uses the one of --var / DATABASE_URL as it
is; issues an API token per login; for every (operation, login) asks hypothesis for --examples cases
(valid and invalid data) and checks each answer: not a 5xx, status code declared in the spec, content
type, body schema. Prints the failures found (first of each kind), then the figures; last line:
{"bench": "fuzz", "cases": …, "server_errors": …, "schema_failures": …, "seconds": …, …}."""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict

ROLES = ["district_admin", "subdistrict_secretary", "community_secretary", "grid_worker", "resident"]
CODE = "140105"


def prepare(args):
    """Point Django at a database with the demo; returns the GRIDGOV_VAR folder used."""
    if os.environ.get("DATABASE_URL"):
        return None  # the caller's database: it has the demo (gridgov demo --no-serve)
    var = args.var or tempfile.mkdtemp(prefix="gridgov-fuzz-")
    os.environ["GRIDGOV_VAR"] = var
    if not os.path.exists(os.path.join(var, "gridgov.sqlite3")) or args.build:
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "gridgov", "demo", "--no-serve", "--no-progress", "--volume", str(args.volume)],
                       env=os.environ, check=True, capture_output=True)
        print(f"demo built in {time.monotonic() - started:.0f} s into {var}", flush=True)
    return var


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=40, help="hypothesis examples per operation and login")
    parser.add_argument("--var", help="GRIDGOV_VAR folder holding a demo database to reuse")
    parser.add_argument("--build", action="store_true", help="rebuild the demo in --var")
    parser.add_argument("--volume", type=float, default=0.01, help="demo volume (cases, patrols)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--roles", default=",".join(ROLES))
    parser.add_argument("--only", default="", help="only operations whose path contains one of these (comma-separated)")
    args = parser.parse_args()
    prepare(args)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")

    import django

    django.setup()
    import logging

    logging.getLogger("django.request").setLevel(logging.ERROR)  # every refused case would log a warning
    import schemathesis
    from django.contrib.auth import get_user_model
    from django.core.wsgi import get_wsgi_application
    from hypothesis import HealthCheck, Phase, given, seed, settings
    from hypothesis import strategies as st
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    from gridgov.api.api import api
    from gridgov.api.models import ApiToken

    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
    schema.app = get_wsgi_application()
    roles = [r for r in args.roles.split(",") if r]
    User = get_user_model()
    keys = {role: ApiToken.issue(User.objects.get(username=f"{role}.{CODE}"), name="fuzz")[1] for role in roles}

    figures = Counter()
    statuses = Counter()
    per_op = defaultdict(Counter)
    failures = {}  # (operation, kind) -> first message
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    if args.only:
        operations = [op for op in operations if any(part in op.path for part in args.only.split(","))]

    def strategy_of(operation):
        """Valid and invalid data: invalid only where the operation has something to get wrong."""
        try:
            return st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))
        except Exception:
            return operation.as_strategy(GenerationMode.POSITIVE)

    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        for role in roles:
            headers = {"Authorization": f"Bearer {keys[role]}"}

            @seed(args.seed)
            @settings(max_examples=args.examples, deadline=None, database=None, phases=[Phase.generate],
                      suppress_health_check=list(HealthCheck))
            @given(case=strategy_of(operation))
            def run(case):
                figures["cases"] += 1
                per_op[label]["cases"] += 1
                try:
                    response = case.call(headers=headers)
                except Exception as exc:  # the app raised through the WSGI handler: a 500 too
                    figures["server_errors"] += 1
                    failures.setdefault((label, "exception"), f"{role}: {type(exc).__name__}: {exc}"[:500])
                    return
                statuses[f"{response.status_code // 100}xx"] += 1
                if response.status_code >= 500:
                    figures["server_errors"] += 1
                    per_op[label]["server_errors"] += 1
                    failures.setdefault((label, "5xx"), f"{role}: {case.as_curl_command()}\n  -> {response.status_code} {response.text[:300]}")
                    return
                try:
                    case.validate_response(response, checks=checks, headers=headers)
                except Exception as exc:  # a FailureGroup: the spec and the answer disagree
                    figures["schema_failures"] += 1
                    per_op[label]["schema_failures"] += 1
                    failures.setdefault((label, "schema"), f"{role}: {case.as_curl_command()}\n  -> {response.status_code} "
                                        f"{response.text[:200]}\n  {str(exc)[:600]}")

            run()
        print(f"{label:<55} {per_op[label]['cases']:>5} cases, {per_op[label]['server_errors']} 5xx, "
              f"{per_op[label]['schema_failures']} schema failures", flush=True)
    seconds = time.monotonic() - started
    for (label, kind), message in sorted(failures.items()):
        print(f"\n[{kind}] {label}\n{message}")
    print(f"\ncases {figures['cases']}, operations {len(operations)}, logins {len(roles)}, "
          f"5xx {figures['server_errors']}, schema failures {figures['schema_failures']}, "
          f"statuses {dict(sorted(statuses.items()))}, {seconds:.0f} s ({figures['cases'] / max(seconds, 1e-9):.0f} cases/s)")
    print(json.dumps({
        "bench": "fuzz", "cases": figures["cases"], "operations": len(operations), "logins": roles,
        "examples_per_operation_and_login": args.examples, "server_errors": figures["server_errors"],
        "schema_failures": figures["schema_failures"], "statuses": dict(sorted(statuses.items())),
        "seconds": round(seconds, 1), "cases_per_s": round(figures["cases"] / max(seconds, 1e-9), 1),
    }))
    return 1 if figures["server_errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
