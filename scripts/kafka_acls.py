"""The services' Kafka principals and ACLs, derived from their code (docs/design.md, "Kafka
security"): the principal User:<service> may write the topics the service publishes and read
those it consumes, and nothing else.

    python scripts/kafka_acls.py show       # per service: its group, what it publishes, consumes
    python scripts/kafka_acls.py apply --bootstrap 127.0.0.1:9092 --secrets .local/secrets \\
        --classpath .local/kafka/classpath.txt

``apply`` (deploy/local/stack.sh once Kafka is up; tests/kafka_private.py's brokers too) connects
as the super-user admin (<secrets>/kafka-admin.password, SASL/SCRAM-SHA-512), makes sure every
service's credential (<secrets>/kafka-<service>.password) authenticates, writing the SCRAM
credential of a principal the cluster lacks or knows with another password (a new service, a
regenerated file) with Kafka's ConfigCommand, then creates the ACLs the code asks for and deletes
the ones a service's principal has that the code no longer asks for. Idempotent.
"""

import argparse
import asyncio
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka.client import AIOKafkaClient
from aiokafka.errors import KafkaConnectionError
from aiokafka.protocol.admin import CreateAclsRequest, DeleteAclsRequest, DescribeAclsRequest
from pydantic import SecretStr

from common.contracts import SessionsRevoked
from common.contracts.base import dead_letter_topic
from common.kafka_security import KafkaSecurity, client_kwargs
from common.revocations import follow_session_revocations

if __package__ in (None, ""):  # run as a file (stack.sh): the repository root holds scripts/
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts import registry

ROOT = Path(__file__).resolve().parent.parent
ADMIN = "admin"
MECHANISM = "SCRAM-SHA-512"
# Kafka's wire codes (org.apache.kafka.common.resource / .acl).
RESOURCE = {"TOPIC": 2, "GROUP": 3}
RESOURCE_NAME = {code: name for name, code in RESOURCE.items()}
PATTERN = {"LITERAL": 3, "PREFIXED": 4}
PATTERN_NAME = {code: name for name, code in PATTERN.items()}
OPERATION = {"READ": 3, "WRITE": 4, "CREATE": 5, "DESCRIBE": 8}
OPERATION_NAME = {code: name for name, code in OPERATION.items()}
ANY, ALLOW, ANY_HOST = 1, 3, "*"
# Loops of the runtime that read topics without a consumer group (every instance reads all):
# a service whose SPEC runs one reads those topics too.
GROUPLESS_READERS = {follow_session_revocations: (SessionsRevoked.topic,)}


@dataclass(frozen=True)
class Access:
    """What a service does on Kafka, as its code declares it (its ``app.SPEC``)."""

    service: str
    group: str | None
    publishes: tuple[str, ...]
    consumes: tuple[str, ...]
    # Read without a group (GROUPLESS_READERS); lines' backfill reads topics it consumes anyway.
    follows: tuple[str, ...] = ()


@dataclass(frozen=True, order=True)
class Acl:
    """One ALLOW binding for any host."""

    principal: str
    resource: str  # TOPIC | GROUP
    name: str
    pattern: str  # LITERAL | PREFIXED
    operation: str


def access_of(service: str, spec: Any) -> Access:
    consumers = spec.consumers
    return Access(
        service=service,
        group=consumers.group if consumers is not None else None,
        publishes=tuple(sorted({event.topic for event in spec.publishes})),
        consumes=tuple(sorted({e.topic for e in consumers.events} if consumers else ())),
        follows=tuple(sorted({t for loop in spec.loops for t in GROUPLESS_READERS.get(loop, ())})),
    )


def service_access(names: Iterable[str] | None = None) -> list[Access]:
    """Every service of services.toml (or those named), from ``<name>.app.SPEC``."""
    names = list(names) if names is not None else [s.name for s in registry.load()]
    return [access_of(n, importlib.import_module(f"{n}.app").SPEC) for n in names]


def acls(access: Access) -> list[Acl]:
    """What the runtime does as this principal (common/service.py, common/messaging.py):
    - creates, at start-up, every topic it publishes or consumes and their DLQs when missing
      (DESCRIBE to list them, CREATE);
    - publishes its events (WRITE; an idempotent producer needs no more since Kafka 3.0);
    - consumes in its group (READ on the topic and the group; the group ``<group>-*`` too, what
      a CONSUMER_GROUP override is named like) and dead-letters to ``<consumed>.dlq`` (WRITE);
    - follows topics without a group (READ: its partitions, offsets and records).
    """
    principal = f"User:{access.service}"
    used = {*access.publishes, *access.consumes}
    grants: set[tuple[str, str, str, str]] = set()
    for topic in used | {dead_letter_topic(t) for t in used}:
        grants |= {("TOPIC", topic, "LITERAL", op) for op in ("DESCRIBE", "CREATE")}
    grants |= {("TOPIC", t, "LITERAL", "WRITE") for t in access.publishes}
    grants |= {("TOPIC", t, "LITERAL", "READ") for t in access.consumes}
    grants |= {("TOPIC", dead_letter_topic(t), "LITERAL", "WRITE") for t in access.consumes}
    grants |= {("TOPIC", t, "LITERAL", "READ") for t in access.follows}
    if access.group:
        grants |= {("GROUP", access.group, "LITERAL", "READ")}
        grants |= {("GROUP", f"{access.group}-", "PREFIXED", "READ")}
    return sorted(Acl(principal, *grant) for grant in grants)


# --- applying them ---------------------------------------------------------------------------


def scram(username: str, password: str) -> KafkaSecurity:
    """A local-stack client: SASL/SCRAM-SHA-512 without TLS (loopback)."""
    return KafkaSecurity(
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_mechanism=MECHANISM,
        kafka_sasl_username=username,
        kafka_sasl_password=SecretStr(password),
    )


async def authenticates(bootstrap: str, security: KafkaSecurity) -> bool:
    client = AIOKafkaClient(bootstrap_servers=bootstrap, **client_kwargs(security))
    try:
        await client.bootstrap()
    except KafkaConnectionError:
        return False
    finally:
        await client.close()
    return True


def java_command(classpath: str) -> list[str]:
    """How deploy/local/stack.sh runs Kafka's classes."""
    return [
        shutil.which("java") or "java",
        "-Xmx512m",
        "-XX:+ExitOnOutOfMemoryError",
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={ROOT / 'deploy/local/kafka/log4j2.xml'}",
        "-cp",
        classpath,
    ]


def write_credential(
    bootstrap: str, admin_password: str, user: str, password: str, classpath: str
) -> None:
    """Kafka's ConfigCommand (aiokafka has no AlterUserScramCredentials): rare, so one JVM."""
    jaas = f'{_SCRAM_MODULE} required username="{ADMIN}" password="{admin_password}";'
    with tempfile.NamedTemporaryFile("w", suffix=".properties") as config:
        os.chmod(config.name, 0o600)
        config.write(
            f"security.protocol=SASL_PLAINTEXT\nsasl.mechanism={MECHANISM}\n"
            f"sasl.jaas.config={jaas}\n"
        )
        config.flush()
        subprocess.run(  # noqa: S603 (an argument list, no shell; our own values)
            [
                *java_command(classpath),
                "org.apache.kafka.tools.ConfigCommand",
                *("--bootstrap-server", bootstrap, "--command-config", config.name, "--alter"),
                *("--add-config", f"{MECHANISM}=[iterations=8192,password={password}]"),
                *("--entity-type", "users", "--entity-name", user),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


_SCRAM_MODULE = "org.apache.kafka.common.security.scram.ScramLoginModule"


async def ensure_credentials(
    bootstrap: str,
    admin_password: str,
    passwords: Mapping[str, str],
    classpath: str,
    timeout: float = 30.0,
) -> list[str]:
    """Every principal authenticates with its password; the ones rewritten, in order."""
    if not await authenticates(bootstrap, scram(ADMIN, admin_password)):
        raise SystemExit(f"kafka_acls: admin cannot authenticate at {bootstrap}")
    written = []
    for user, password in passwords.items():
        if await authenticates(bootstrap, scram(user, password)):
            continue
        await asyncio.to_thread(
            write_credential, bootstrap, admin_password, user, password, classpath
        )
        written.append(user)
        # The credential travels through the metadata log before the broker knows it.
        for _ in range(int(timeout * 2)):
            if await authenticates(bootstrap, scram(user, password)):
                break
            await asyncio.sleep(0.5)
        else:
            raise SystemExit(f"kafka_acls: {user}'s new credential still fails after {timeout}s")
    return written


async def _send(client: AIOKafkaClient, request: Any) -> Any:
    return await client.send(client.get_random_node(), request)


async def existing_acls(client: AIOKafkaClient, principal: str) -> set[Acl]:
    # None: any (a filter)
    request = DescribeAclsRequest(ANY, None, ANY, principal, None, ANY, ANY)
    response = await _send(client, request)
    _check(response.error_code, response.error_message, f"describing {principal}'s ACLs")
    return {
        Acl(principal, RESOURCE_NAME[rtype], name, PATTERN_NAME[ptype], OPERATION_NAME[op])
        for rtype, name, ptype, entries in response.resources
        for _principal, host, op, permission in entries
        if rtype in RESOURCE_NAME and ptype in PATTERN_NAME and op in OPERATION_NAME
        if host == ANY_HOST and permission == ALLOW
    }


def _wire(acl: Acl) -> tuple[int, str, int, str, str, int, int]:
    return (
        RESOURCE[acl.resource],
        acl.name,
        PATTERN[acl.pattern],
        acl.principal,
        ANY_HOST,
        OPERATION[acl.operation],
        ALLOW,
    )


def _check(code: int, message: str | None, doing: str) -> None:
    if code:
        raise RuntimeError(f"kafka_acls: {doing} failed: error {code} {message or ''}")


async def sync_acls(client: AIOKafkaClient, wanted: Sequence[Acl]) -> tuple[int, int]:
    """Create what is wanted and missing, delete what the principals have beyond it."""
    created = deleted = 0
    for principal in sorted({acl.principal for acl in wanted}):
        mine = {acl for acl in wanted if acl.principal == principal}
        have = await existing_acls(client, principal)
        for acl in sorted(mine - have):
            response = await _send(client, CreateAclsRequest(*_wire(acl)))
            for code, message in response.creation_responses:
                _check(code, message, f"creating {acl}")
            created += 1
        for acl in sorted(have - mine):
            response = await _send(client, DeleteAclsRequest(*_wire(acl)))
            for code, message, _matching in response.filter_responses:
                _check(code, message, f"deleting {acl}")
            deleted += 1
    return created, deleted


async def apply(
    bootstrap: str,
    admin_password: str,
    passwords: Mapping[str, str],
    accesses: Sequence[Access],
    classpath: str,
) -> str:
    """Credentials then ACLs (see the module's docstring); a one-line summary."""
    written = await ensure_credentials(bootstrap, admin_password, passwords, classpath)
    wanted = [acl for access in accesses for acl in acls(access)]
    client = AIOKafkaClient(
        bootstrap_servers=bootstrap, **client_kwargs(scram(ADMIN, admin_password))
    )
    await client.bootstrap()
    try:
        created, deleted = await sync_acls(client, wanted)
    finally:
        await client.close()
    credentials = f"credentials written: {', '.join(written)}; " if written else ""
    return (
        f"{credentials}{len(wanted)} ACLs for {len(accesses)} principals "
        f"({created} created, {deleted} deleted)"
    )


def show(accesses: Sequence[Access]) -> str:
    lines = []
    for access in accesses:
        lines.append(f"{access.service} (principal User:{access.service}, group {access.group})")
        lines += [f"  publishes {topic}" for topic in access.publishes]
        lines += [f"  consumes  {topic}" for topic in access.consumes]
        lines += [f"  follows   {topic} (no group)" for topic in access.follows]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("action", choices=["show", "apply"])
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--secrets", type=Path, default=ROOT / ".local/secrets")
    parser.add_argument("--classpath", type=Path, default=ROOT / ".local/kafka/classpath.txt")
    args = parser.parse_args(argv)
    accesses = service_access()
    if args.action == "show":
        print(show(accesses))
        return 0
    passwords = {
        a.service: (args.secrets / f"kafka-{a.service}.password").read_text().strip()
        for a in accesses
    }
    admin_password = (args.secrets / f"kafka-{ADMIN}.password").read_text().strip()
    classpath = args.classpath.read_text().strip()
    summary = asyncio.run(apply(args.bootstrap, admin_password, passwords, accesses, classpath))
    print(f"kafka_acls: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
