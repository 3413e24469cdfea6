"""docs/asyncapi.yaml is generated from the code; this fails when someone forgot `make docs`."""

import yaml

from scripts.asyncapi import DOC, build


def test_committed_asyncapi_document_is_current() -> None:
    assert DOC.read_text() == build(), "docs/asyncapi.yaml is stale: run `make docs`"


def test_asyncapi_lists_every_topic_and_marks_secrets() -> None:
    spec = yaml.safe_load(build())
    addresses = {channel["address"] for channel in spec["channels"].values()}
    assert {
        "identity.user-registered",
        "identity.activation-requested",
        "identity.password-reset-requested",
        "identity.user-activated",
        "identity.user-locked-out",
    } <= addresses
    text = yaml.safe_dump(spec)
    assert "Sensitive" in text
