"""The API contract run once with a random seed (not a test; the closing note's figure):

    PYTHONPATH=. uv run python bench/api_contract.py [--seed N] [--max-examples N] [pytest args]

Runs tests/e2e/test_api_contract.py (Schemathesis through the gateway, every service, as an
operator and as a customer) with SCHEMATHESIS_SEED set to a random seed (or --seed, to replay
one), then prints the seed and, per service and role, the operations, requests and failures from
.local/reports/api-contract-<seed>.json. Needs the stack of make test (captcha test answer, rate
limits off). Exits with pytest's status.
"""

import argparse
import json
import os
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=random.SystemRandom().randrange(2**31))
    parser.add_argument("--max-examples", type=int, default=25)
    args, pytest_args = parser.parse_known_args()
    print(f"seed {args.seed}", flush=True)
    env = os.environ | {
        "SCHEMATHESIS_SEED": str(args.seed),
        "SCHEMATHESIS_MAX_EXAMPLES": str(args.max_examples),
    }
    status = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/e2e/test_api_contract.py",
            "-q",
            "-rs",
            *pytest_args,
        ],
        cwd=ROOT,
        env=env,
    ).returncode
    report = ROOT / f".local/reports/api-contract-{args.seed}.json"
    figures = json.loads(report.read_text()) if report.exists() else {}
    for service, roles in sorted(figures.items()):
        for role, operations in sorted(roles.items()):
            requests = sum(c.get("requests", 0) for c in operations.values())
            failures = sum(c.get("failures", 0) for c in operations.values())
            failing = sorted(op for op, c in operations.items() if c.get("failures"))
            print(
                f"{service:10} {role:8} {len(operations):3} operations {requests:5} requests "
                f"{failures:4} failures" + (f"  ({', '.join(failing)})" if failing else "")
            )
    print(f"seed {args.seed}: {'passed' if status == 0 else 'FAILED'} (report: {report})")
    return status


if __name__ == "__main__":
    sys.exit(main())
