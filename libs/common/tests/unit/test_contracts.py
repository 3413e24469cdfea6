"""Event envelope, CloudEvents headers, log masking and the API error shape."""

import hashlib
import json
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ValidationError

from common import context
from common.contracts import (
    ALL_EVENTS,
    ActivationRequested,
    CreditNoteIssued,
    DebitNoteIssued,
    InvoiceIssued,
    LineVerificationRequested,
    RideRendered,
    UserRegistered,
)
from common.contracts.identity import UserProfile
from common.errors import ApiError
from common.http import install_error_handlers
from common.logging import mask

PROFILE = UserProfile(
    user_id="u1",
    email="ana@correo.com",
    given_names="Ana",
    surnames="Quispe",
    id_type="cedula",
    id_number="1714307103",
)


def test_envelope_and_cloudevents_headers() -> None:
    context.bind("4bf92f3577b34da6a3ce929d0e0e4736", "cause-1")
    event = UserRegistered(data=PROFILE)
    headers = event.cloudevents_headers()
    assert event.correlation_id == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert event.causation_id == "cause-1"
    assert headers["ce_id"] == str(event.event_id)
    assert headers["ce_type"] == "identity.user_registered"
    assert headers["ce_source"] == "/identity"
    assert headers["traceparent"].startswith("00-4bf92f3577b34da6a3ce929d0e0e4736-")
    doc = event.to_document()
    assert doc["topic"] == "identity.user-registered" and doc["key"] == "u1"
    assert UserRegistered.model_validate_json(doc["payload"]) == event


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("portal-7f3a:1", True),
        ("a" * 128, True),
        ("a" * 129, False),
        ("two words", False),
        ("x\nforged log line", False),
        ("", False),
    ],
)
def test_a_correlation_id_is_kept_only_when_well_formed(given: str, kept: bool) -> None:
    context.bind(given)
    assert (context.correlation_id() == given) is kept
    assert re.fullmatch(r"[A-Za-z0-9._:-]{1,128}", context.correlation_id())


def test_traceparent_from_non_hex_correlation_is_valid() -> None:
    context.bind("not-hex:correlation")
    parts = UserRegistered(data=PROFILE).cloudevents_headers()["traceparent"].split("-")
    assert len(parts[1]) == 32 and len(parts[2]) == 16 and parts[3] == "01"


def test_every_event_has_its_own_topic_and_type() -> None:
    topics = [e.topic for e in ALL_EVENTS]
    assert len(set(topics)) == len(topics)
    assert all(t.count(".") == 1 and t == t.lower() for t in topics)
    assert ActivationRequested.sensitive and not UserRegistered.sensitive


def test_old_consumers_ignore_new_optional_fields() -> None:
    payload = json.loads(UserRegistered(data=PROFILE).model_dump_json())
    payload["new_field"] = 1
    payload["data"]["another"] = "x"
    assert UserRegistered.model_validate(payload).data.user_id == "u1"


def test_mask_hides_emails_and_id_numbers() -> None:
    masked = mask("usuario ana.quispe@correo.com cédula 1714307103 tel 0991234567")
    assert "ana.quispe" not in masked and "1714307103" not in masked and "0991234567" not in masked
    assert "@correo.com" in masked


class Body(BaseModel):
    amount: int


def test_error_shape() -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/x")
    async def x(body: Body) -> dict[str, int]:
        if body.amount < 0:
            raise ApiError(409, "conflict", "Ya existe.", {"amount": "Repetido."})
        return {"amount": body.amount}

    client = TestClient(app)
    assert client.post("/x", json={"amount": -1}).json() == {
        "error": {"code": "conflict", "message": "Ya existe.", "fields": {"amount": "Repetido."}}
    }
    invalid = client.post("/x", json={"amount": "mucho"})
    assert invalid.status_code == 422
    assert invalid.json()["error"]["fields"] == {"amount": "Debe ser un número entero."}
    missing = client.get("/nada")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_topic_type_and_key_come_from_one_declaration() -> None:
    """The class name is said once: topic, event type and key follow from it."""
    assert UserRegistered.topic == "identity.user-registered"
    assert ActivationRequested.topic == "identity.activation-requested"
    assert ActivationRequested.sensitive and not UserRegistered.sensitive
    schema = UserRegistered.model_json_schema()["properties"]["event_type"]
    assert schema["const"] == "identity.user_registered"
    with pytest.raises(ValidationError):
        UserRegistered.model_validate({"event_type": "identity.other", "data": {}})
    assert {e.source for e in ALL_EVENTS} == {
        "identity", "billing", "notifier", "rendering", "lines"
    }  # fmt: skip
    assert LineVerificationRequested.topic == "lines.line-verification-requested"
    assert LineVerificationRequested.sensitive  # it carries the SMS code


def _invoice_data(**fiscal: object) -> dict[str, object]:
    return {
        "invoice_id": "inv-1",
        "account_id": "acc-1",
        "period": "2026-11",
        "number": "001-001-000000123",
        "access_key": "1" * 49,
        "issue_date": "2026-12-01",
        "authorization_number": "1" * 49,
        "authorized_at": "2026-12-01T15:00:00+00:00",
        "environment": "PRUEBAS",
        "holder": {"name": "Ana", "email": None, "id_type": "cedula", "id_number": "1714307103"},
        "lines": ["+593991234567"],
        "totals": {"subtotal": "10.00", "discount": "0.00", "taxes": "1.50", "total": "11.50"},
        "statement": {
            "previous_balance": "0.00",
            "payments": "0.00",
            "charges": "11.50",
            "adjustments": "0.00",
            "balance_due": "11.50",
            "due_date": "2026-12-16",
        },
        **fiscal,
    }


def test_invoice_issued_names_its_fiscal_record_and_reads_version_1() -> None:
    """Version 2 carries the record's digest and size, never the record; a version-1 event
    (the XML inline: still in the topic or a DLQ) reads as the digest and size of that XML."""
    xml = "<autorizacion><estado>AUTORIZADO</estado>ñ</autorizacion>"
    digest = hashlib.sha256(xml.encode()).hexdigest()
    v2 = InvoiceIssued(
        data=_invoice_data(authorized_xml_sha256=digest, authorized_xml_size=len(xml.encode()))
    )
    payload = json.loads(v2.model_dump_json())
    assert payload["schema_version"] == 2 and "authorized_xml" not in payload["data"]
    assert v2.cloudevents_headers()["ce_dataschema"] == "urn:selfcare:billing.invoice_issued:v2"
    v1 = payload | {"schema_version": 1, "data": _invoice_data(authorized_xml=xml)}
    read = InvoiceIssued.model_validate_json(json.dumps(v1))
    assert read.schema_version == 1 and read.data == v2.data
    with pytest.raises(ValidationError):
        InvoiceIssued(data=_invoice_data(authorized_xml_sha256="abc", authorized_xml_size=1))


def _note_data(**changes: object) -> dict[str, object]:
    data = _invoice_data(authorized_xml_sha256="a" * 64, authorized_xml_size=10)
    for name in ("invoice_id", "period", "statement"):
        data.pop(name)
    return data | {
        "note_id": "n1",
        "number": "001-001-000000007",
        "modified_invoice_id": "i1",
        "modified_number": "001-001-000000123",
        "modified_issue_date": "2026-11-01",
        "reason": "Compensación por corte del servicio",
        **changes,
    }


def test_credit_and_debit_notes_have_their_topics_keys_and_doc_types() -> None:
    """Each note type has its topic, keyed by note id; its doc_type is its own (04, 05), and
    RideRendered without doc_type (published before notes existed) reads as a factura's."""
    credit = CreditNoteIssued.model_validate({"data": _note_data()})
    debit = DebitNoteIssued.model_validate({"data": _note_data(doc_type="05")})
    assert (credit.topic, credit.data.doc_type) == ("billing.credit-note-issued", "04")
    assert (debit.topic, debit.data.doc_type) == ("billing.debit-note-issued", "05")
    assert credit.key() == debit.key() == "n1" and credit.schema_version == 1
    with pytest.raises(ValidationError):
        CreditNoteIssued.model_validate({"data": _note_data(doc_type="05")})
    with pytest.raises(ValidationError):
        DebitNoteIssued.model_validate({"data": _note_data(authorized_xml_sha256="x")})
    ride = {
        "invoice_id": "i1",
        "account_id": "a1",
        "access_key": "1" * 49,
        "number": "001-001-000000123",
        "period": "2026-11",
        "size": 1,
        "sha256": "b" * 64,
        "rendered_at": "2026-12-01T15:00:00+00:00",
    }
    assert RideRendered.model_validate({"data": ride}).data.doc_type == "01"
    assert RideRendered.model_validate({"data": ride | {"doc_type": "04"}}).data.doc_type == "04"
