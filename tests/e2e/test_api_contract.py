"""Schemathesis against every service's OpenAPI through the gateway, as an operator and as a
customer: no server error, no undocumented status, responses and content types as documented,
schema-valid requests accepted (docs/api.md, "The contract").

Bounded and repeatable: SCHEMATHESIS_MAX_EXAMPLES examples per operation (25) with the seed
SCHEMATHESIS_SEED (fixed by default). ``python bench/api_contract.py`` runs it once with a random
seed and prints the seed and the figures. The figures of each run (requests and failures per
service, role and operation) are written to .local/reports/api-contract-<seed>.json.
SCHEMATHESIS_<SERVICE>_URL points a service's run at a process of one's own instead of the
gateway (a service's own port, before its code is the stack's).
"""

import asyncio
import json
import os
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis import Case
from schemathesis.core.failures import FailureGroup
from schemathesis.pytest.lazy import get_all_tests

from tests.billing_support import operator_headers
from tests.lines_support import auth, customer
from tests.support import GATEWAY, ROOT

SEED = int(os.environ.get("SCHEMATHESIS_SEED", "20261202"))
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))
REPORT = ROOT / f".local/reports/api-contract-{SEED}.json"

SERVICES = [
    "identity",
    "lines",
    "notifier",
    "rendering",
    "billing",
]
# Statuses a schema-valid request may still get: no session or role (401/403), an unknown id
# (404), a state that forbids it (409), an expired link or code (410), a limit (429).
ACCEPTABLE_REFUSALS = ["2xx", "401", "403", "404", "409", "410", "429"]
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "positive_data_acceptance",
    "unsupported_method",
]
# Rules JSON Schema cannot state, which the domain answers with 422 naming the field: a cédula's
# or a RUC's check digit, the password policy (common passwords, not the email), a captcha that
# must exist and match, an email address email-validator accepts, "event_id or recipient"; and
# billing's rules on today's date (a payment, an adjustment or a charge's period not in the
# future, a bill run's period already over) or on other data (an account or plan that exists, the
# plan's service type, a discount not above its fee, an end after the start, an emission point
# among the establishments'; a charge's number among the account's lines, its quantity with an
# exact 6-decimal unit price, its unit only with a quantity, its description short enough for
# its kind's prefix; a tax code in force on the date, and an ICE rate that is the catalog's; an
# invoice list by account or by status; a note's line within what is left of its factura, not to
# consumidor final; a holder's identification that stays the account's). A 422 naming only these
# fields is not a schema-valid request wrongly refused; any other 422 still fails the run.
NOTE_FIELDS = {"lines", "invoice_id", *(f"lines.{i}.tax_code" for i in range(50))}
DOMAIN_ONLY_FIELDS = {
    "POST /v1/registrations": {
        "email", "password", "password_confirmation", "given_names", "surnames", "id_number",
        "captcha_answer",
    },
    "POST /v1/activations/resend": {"email", "captcha_answer"},
    "POST /v1/password-resets": {"email", "captcha_answer"},
    "POST /v1/password-resets/confirm": {"password", "password_confirmation"},
    "GET /v1/deliveries": {"event_id", "recipient"},
    # A number phonenumbers accepts for the kind; the code the SMS carried.
    "POST /v1/lines": {"number"},
    "POST /v1/lines/{line_id}/verification": {"code"},
    "POST /v1/admin/accounts": {"holder.id_number"},
    "PATCH /v1/admin/accounts/{account_id}": {"holder.id_number"},
    "PUT /v1/admin/plans/{code}": {"tax_code", "ice.rate_code", "ice.rate"},
    "GET /v1/admin/invoices": {"account_id"},
    "POST /v1/admin/invoices/{invoice_id}/credit-notes": NOTE_FIELDS,
    "POST /v1/admin/invoices/{invoice_id}/debit-notes": NOTE_FIELDS,
    "POST /v1/admin/payments": {"account_id", "paid_at"},
    "POST /v1/admin/accounts/{account_id}/adjustments": {"effective_date"},
    "POST /v1/admin/accounts/{account_id}/charges": {
        "period", "number", "quantity", "unit", "description", "tax_code",
    },
    "POST /v1/admin/accounts/{account_id}/subscriptions": {
        "plan_code", "service_type", "monthly_discount", "end_date",
    },
    "POST /v1/admin/accounts/{account_id}/subscriptions/{subscription_id}/end": {"end_date"},
    "POST /v1/admin/bill-runs": {"period", "issue_date"},
    "PUT /v1/admin/issuer": {"ruc", "establishments", "billing_point"},
    # Any string is schema-valid; a comprobante de retención is judged by its XSD and our data.
    "POST /v1/admin/withholdings": {"xml"},
}  # fmt: skip
# Operations that would end the session the run uses (covered by test_identity_flow).
EXCLUDED = {"DELETE /v1/sessions/current"}
# And those that would change what every other test shares, left out on the stack (run against a
# process of one's own): the issuer, and a bill run over every account of a cycle day.
SHARED = {"PUT /v1/admin/issuer", "POST /v1/admin/bill-runs"}

# service -> role -> operation -> Counter("requests", "failures", "<failure title>": count)
FIGURES: dict[str, dict[str, dict[str, Counter[str]]]] = defaultdict(dict)


def _base_url(service: str) -> str:
    """The service through the gateway, or ``SCHEMATHESIS_<SERVICE>_URL`` (a process of one's
    own, before its code is the stack's)."""
    return os.environ.get(f"SCHEMATHESIS_{service.upper()}_URL", f"{GATEWAY}/api/{service}")


def _config(service: str, authorization: str) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "base-url": _base_url(service),
            "headers": {"Authorization": authorization},
            "request-timeout": 30,
            "generation": {"max-examples": MAX_EXAMPLES, "mode": "all"},
            "phases": {"stateful": {"enabled": False}},
            "checks": {
                "enabled": False,
                **{name: {"enabled": True} for name in CHECKS},
                "positive_data_acceptance": {
                    "enabled": True,
                    "expected-statuses": ACCEPTABLE_REFUSALS,
                },
            },
        }
    )


async def _authorization(role: str) -> str:
    async with httpx.AsyncClient(timeout=60) as client:
        if role == "operator":
            # A session of the run's own: the shared operator token of other tests stays valid.
            return (await operator_headers(client))["Authorization"]
        return auth(await customer(client))["Authorization"]


@pytest.fixture(scope="module", params=["operator", "customer"])
def role(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def authorization(role: str) -> str:
    return asyncio.run(_authorization(role))


def _run(service: str, authorization: str) -> dict[str, Counter[str]]:
    """Every operation of ``service``: the examples, coverage and fuzzing phases, each failure
    counted (all examples run: no stop at the first failure, no shrinking)."""
    schema = schemathesis.openapi.from_url(
        f"{_base_url(service)}/openapi.json", config=_config(service, authorization)
    )
    figures: dict[str, Counter[str]] = defaultdict(Counter)
    examples: dict[str, list[str]] = defaultdict(list)

    def check(case: Case) -> None:
        label = f"{case.operation.method.upper()} {case.operation.path}"
        figures[label]["requests"] += 1
        response = case.call()
        figures[label][f"status {response.status_code}"] += 1
        try:
            case.validate_response(response)
        except FailureGroup as group:
            for failure in group.exceptions:
                _failed(figures[label], examples[label], failure, case, response)
        except AssertionError as failure:
            _failed(figures[label], examples[label], failure, case, response)

    for result in get_all_tests(schema=schema, test_func=check, settings=None, given_kwargs={}):
        operation, test = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        if label in EXCLUDED or (label in SHARED and _base_url(service).startswith(GATEWAY)):
            continue
        figures[label]["requests"] += 0
        try:
            test()
        except Exception as error:  # a failure the checks did not catch (a transport error)
            figures[label]["failures"] += 1
            figures[label][f"{type(error).__name__}: {str(error)[:200]}"] += 1
    for label, found in examples.items():
        for line in found[:5]:
            figures[label][line] += 0
    return figures


def _failed(
    counter: Counter[str], found: list[str], failure: AssertionError, case: Case, response: Any
) -> None:
    status, answer = response.status_code, response.text[:200]
    label = f"{case.operation.method.upper()} {case.operation.path}"
    if status == 422 and type(failure).__name__ == "RejectedPositiveData":
        named = set(response.json().get("error", {}).get("fields", {}))
        if named and named <= DOMAIN_ONLY_FIELDS.get(label, set()):
            counter["refused by a domain rule (422)"] += 1
            return
    title = f"{getattr(failure, 'title', None) or str(failure).splitlines()[0][:160]} ({status})"
    counter["failures"] += 1
    counter[str(title)] += 1
    if len(found) < 5:
        body = json.dumps(case.body, ensure_ascii=False, default=str)[:300]
        found.append(f"example: {case.method} {case.formatted_path} {body} -> {title}: {answer}")


@pytest.mark.parametrize("service", SERVICES)
def test_api_contract(service: str, role: str, authorization: str) -> None:
    figures = _run(service, authorization)
    FIGURES[service][role] = figures
    failed = {op: dict(c) for op, c in figures.items() if c["failures"]}
    requests = sum(c["requests"] for c in figures.values())
    print(
        f"{service} as {role}: {len(figures)} operations, {requests} requests, "
        f"{sum(c['failures'] for c in figures.values())} failures (seed {SEED})"
    )
    assert not failed, json.dumps(failed, indent=1, ensure_ascii=False)


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(FIGURES, indent=1, sort_keys=True, ensure_ascii=False))
