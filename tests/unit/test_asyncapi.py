"""docs/asyncapi.yaml is generated from the code; this fails when someone forgot `make docs`."""

import yaml

from common.contracts.base import Event
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


# Events whose data carries a secret: a single-use link token or an SMS code.
SECRET_FIELDS = {"token", "code"}
SECRET_TOPICS = {
    "identity.activation-requested",
    "identity.password-reset-requested",
    "lines.line-verification-requested",
}


def _publish_descriptions() -> dict[str, str]:
    spec = yaml.safe_load(build())
    return {
        channel["address"]: channel.get("description", "")
        for name, channel in spec["channels"].items()
        if name.endswith(":publish")
    }


def test_topics_of_tokens_and_sms_codes_are_marked_sensitive() -> None:
    published = _publish_descriptions()
    for topic in SECRET_TOPICS:
        assert "Sensitive" in published[topic], topic
    assert "SMS verification codes" in yaml.safe_load(build())["info"]["description"]


def test_every_event_carrying_a_secret_field_is_marked_sensitive() -> None:
    """A new event with a ``token`` or ``code`` in its data cannot slip out unmarked."""
    build()  # imports every service, so every event type is registered
    # The contracts only: tests may declare events of their own.
    contracts = [e for e in Event.registered if e.__module__.startswith("common.contracts.")]
    carrying = {
        event.topic
        for event in contracts
        if SECRET_FIELDS & set(event.model_fields["data"].annotation.model_fields)  # type: ignore[union-attr]
    }
    assert carrying == SECRET_TOPICS
    published = _publish_descriptions()
    for event in contracts:
        marked = "Sensitive" in published.get(event.topic, "")
        assert marked == (event.topic in SECRET_TOPICS), event.topic
        assert event.sensitive == (event.topic in SECRET_TOPICS), event.topic
