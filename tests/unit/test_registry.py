"""Everything that lists the services agrees with the registry (services.toml).

No stack needed. Each test names the place that disagrees and how to fix it.
"""

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from common.settings import ServiceSettings
from scripts import compose_file, k8s_overlays, registry
from scripts.registry import ROOT, RegistryError, Service

SERVICES = registry.load()
NAMES = [s.name for s in SERVICES]
K8S = ROOT / "deploy" / "k8s"
# Workspace members that are not services: the shared library, the local SRI sandbox and the
# local SMSC simulator.
OTHER_MEMBERS = {
    "libs/common": "common",
    "deploy/local/sri-sandbox": "sri-sandbox",
    "deploy/local/smsc-simulator": "smsc-simulator",
}


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def test_registry_runs_without_the_venv() -> None:
    # stack.sh and the Makefile run it with the system python3: -S leaves site-packages out.
    out = subprocess.run(
        [sys.executable, "-S", str(ROOT / "scripts" / "registry.py"), "names"],
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
    )
    assert out.stdout.split() == NAMES


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('port = 8101\nneeds = ["ftp"]', "unknown need 'ftp'"),
        ('port = 80\nneeds = ["smtp"]', "port must be"),
        ("port = 8101\ncolour = 1", "unknown keys ['colour']"),
    ],
)
def test_registry_refuses_what_no_consumer_understands(
    tmp_path: Path, text: str, error: str
) -> None:
    path = tmp_path / "services.toml"
    k8s = (
        'component = "api"\nscaling = "hpa"\nreplicas = { min = 1, max = 2 }\n'
        'requests = { cpu = "1", memory = "1Gi" }\nlimits = { cpu = "1", memory = "1Gi" }'
    )
    path.write_text(
        f'[services.x]\npath = "services/x"\nsummary = "x"\n{text}\n[services.x.k8s]\n{k8s}\n'
    )
    with pytest.raises(RegistryError, match=re.escape(error)):
        registry.load(path)


def test_every_service_is_a_package_with_its_port() -> None:
    for s in SERVICES:
        package = ROOT / s.src / s.name
        for module in ("app.py", "__main__.py", "settings.py"):
            assert (package / module).is_file(), f"{s.name}: {package / module} is missing"
        pyproject = tomllib.loads((ROOT / s.path / "pyproject.toml").read_text())
        assert pyproject["project"]["name"] == s.name, (
            f"{s.path}/pyproject.toml: the distribution must be named {s.name!r} "
            "(the Dockerfile builds --package <service>)"
        )
        default = re.search(
            r"http_port\b[^=\n]*=[^\d\n]*(\d+)", (package / "settings.py").read_text()
        )
        assert default and int(default[1]) == s.port, (
            f"{s.name}/settings.py: http_port must default to {s.port} (services.toml)"
        )


def test_jwks_url_defaults_point_at_identity() -> None:
    identity = next(s for s in SERVICES if s.name == "identity")
    for s in SERVICES:
        path = ROOT / s.src / s.name / "settings.py"
        settings = path.read_text() if path.is_file() else ""  # missing: the test above says so
        for port in re.findall(r"http://127\.0\.0\.1:(\d+)/\.well-known/jwks\.json", settings):
            assert int(port) == identity.port, f"{s.name}/settings.py: JWKS URL port {port}"


def test_stack_starts_the_registry_services() -> None:
    env = {k: v for k, v in os.environ.items() if k != "STACK_SERVICES"}
    out = subprocess.run(
        ["bash", str(ROOT / "deploy/local/stack.sh"), "services"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    assert out.stdout.splitlines() == [f"{s.name} {s.port}" for s in SERVICES], (
        "deploy/local/stack.sh services disagrees with services.toml"
    )


def test_every_need_has_a_meaning_everywhere() -> None:
    stack = (ROOT / "deploy/local/stack.sh").read_text()
    body = re.search(r"^need_env\(\) \{\n(.*?)^\}", stack, re.S | re.M)
    assert body, "deploy/local/stack.sh: need_env() is gone"
    stack_needs = set(re.findall(r"^\s+([a-z-]+)\)", body[1], re.M))
    k8s_needs = {p.parent.name for p in (K8S / "base/needs").glob("*/kustomization.yaml")}
    known = set(registry.NEEDS)
    assert stack_needs == known, f"stack.sh need_env(): {sorted(stack_needs ^ known)}"
    assert set(compose_file.NEEDS) == known, "scripts/compose_file.py NEEDS"
    assert k8s_needs == known, f"deploy/k8s/base/needs/: {sorted(k8s_needs ^ known)}"


def test_makefile_type_checks_every_service() -> None:
    out = subprocess.run(
        ["make", "-s", "-n", "lint"], capture_output=True, text=True, check=True, cwd=ROOT
    )
    mypy = next((line for line in out.stdout.splitlines() if " mypy " in line), "")
    paths = mypy.split(" mypy ", 1)[-1].split()
    missing = [s.src for s in SERVICES if s.src not in paths]
    assert not missing, f"make lint does not type-check {missing}"


def test_pyproject_workspace_has_every_service() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    members = set(project["tool"]["uv"]["workspace"]["members"])
    expected = set(OTHER_MEMBERS) | {s.path for s in SERVICES}
    assert members == expected, f"[tool.uv.workspace] members: differ in {members ^ expected}"
    sources = set(project["tool"]["uv"]["sources"])
    wanted = set(OTHER_MEMBERS.values()) | set(NAMES)
    assert sources == wanted, f"[tool.uv.sources]: differ in {sources ^ wanted}"
    missing = set(NAMES) - set(project["project"]["dependencies"])
    assert not missing, f"[project] dependencies lacks {sorted(missing)}"
    first_party = project["tool"]["ruff"]["lint"]["isort"]["known-first-party"]
    missing = set(NAMES) - set(first_party)
    assert not missing, f"[tool.ruff.lint.isort] known-first-party lacks {sorted(missing)}"


def test_docker_compose_is_generated_from_the_registry() -> None:
    committed = (ROOT / "docker-compose.yml").read_text()
    assert committed == compose_file.render(SERVICES), "docker-compose.yml is stale: make compose"
    services = yaml.safe_load(committed)["services"]
    for s in SERVICES:
        assert services[s.name]["build"]["args"]["SERVICE"] == s.name


def test_dockerfile_examples_name_registry_services() -> None:
    named = set(re.findall(r"SERVICE=([\w-]+)", (ROOT / "Dockerfile").read_text()))
    unknown = named - set(NAMES) - set(OTHER_MEMBERS.values())
    assert not unknown, f"Dockerfile builds SERVICE={sorted(unknown)}, not in services.toml"


def test_gateway_routes_every_service() -> None:
    templates = "".join(p.read_text() for p in (ROOT / "deploy/gateway").glob("*.template"))
    for s in SERVICES:
        route = f"location /api/{s.name}/ {{\n        proxy_pass http://${{{s.upstream_var}}}/;"
        assert route in templates, f"deploy/gateway/: no /api/{s.name}/ -> ${s.upstream_var}"


def test_k8s_overlays_are_generated_from_the_registry() -> None:
    for path, text in k8s_overlays.overlays(SERVICES).items():
        where = path.relative_to(ROOT)
        assert path.is_file() and path.read_text() == text, f"{where} is stale: make k8s"
    dirs = {p.name for p in (K8S / "services").iterdir() if p.is_dir()}
    assert dirs == set(NAMES), f"deploy/k8s/services/: overlays of {sorted(dirs ^ set(NAMES))}"


def _references(kustomization: Path) -> list[str]:
    k = _yaml(kustomization)
    refs = [*k.get("resources", []), *k.get("components", [])]
    refs += [p["path"] for p in k.get("patches", []) if "path" in p]
    refs += [e for g in k.get("configMapGenerator", []) for e in g.get("envs", [])]
    return [*refs, *(r["path"] for r in k.get("replacements", []) if "path" in r)]


def test_k8s_kustomizations_reference_existing_files() -> None:
    for kustomization in K8S.rglob("kustomization.yaml"):
        for ref in _references(kustomization):
            target = kustomization.parent / ref
            exists = target.is_file() or (target / "kustomization.yaml").is_file()
            assert exists, f"{kustomization.relative_to(ROOT)}: {ref} does not exist"


def test_k8s_overlays_hand_written_parts() -> None:
    for s in SERVICES:
        overlay = K8S / "services" / s.name
        assert (overlay / "config.env").is_file(), f"{overlay}/config.env is missing: make k8s"
        config = (overlay / "config.env").read_text()
        for generated in ("SERVICE_NAME=", "MONGODB_DATABASE="):
            assert f"\n{generated}" not in f"\n{config}", f"{overlay}/config.env sets {generated}"
        keda = overlay / "scaled-object.yaml"
        assert keda.is_file() == (s.k8s.scaling == "keda"), (
            f"{s.name}: scaling {s.k8s.scaling!r} and {keda.name} disagree"
        )
        if keda.is_file():
            spec = _yaml(keda)["spec"]
            assert spec["scaleTargetRef"]["name"] == s.name
            groups = {
                t["metadata"]["consumerGroup"] for t in spec["triggers"] if t["type"] == "kafka"
            }
            assert groups == {s.name}, f"{keda}: consumer group must be {s.name!r}"
        for patch in overlay.glob("*.patch.yaml"):
            assert _yaml(patch)["metadata"]["name"] == s.name, f"{patch}: patches {s.name} only"


def test_k8s_top_level_deploys_every_service() -> None:
    top = _yaml(K8S / "kustomization.yaml")
    assert "services" in top["resources"], "deploy/k8s/kustomization.yaml: resources lacks services"
    images = {i["name"] for i in top["images"]}
    expected = {f"selfcare/{name}" for name in NAMES}
    assert images == expected, (
        f"deploy/k8s/kustomization.yaml images: differ in {images ^ expected}"
    )


def test_k8s_ingress_routes_every_service() -> None:
    routes = {
        path["path"]: path["backend"]["service"]
        for rule in _yaml(K8S / "ingress.yaml")["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    for s in SERVICES:
        # The general route; identity's and lines' exclude their limited paths first.
        [backend] = [
            backend
            for path, backend in routes.items()
            if re.fullmatch(
                rf"/api/{s.name}/(\(\?!.*\))?\(v1/\.\*\|healthz\|readyz\|openapi\\\.json\)\$", path
            )
        ] or [None]
        assert backend == {"name": s.name, "port": {"name": "http"}}, (
            f"deploy/k8s/ingress.yaml: no route /api/{s.name}/... to Service {s.name}"
        )


def test_the_ingress_does_not_route_billings_documents() -> None:
    """billing's /v1/documents is for rendering and notifier, in-cluster (the gateway's own
    refusal is tests/e2e/test_gateway_internal.py)."""
    paths = [
        path["path"]
        for file in ("ingress.yaml", "ingress-limits.yaml")
        for ingress in yaml.safe_load_all((K8S / file).read_text())
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    ]
    key = "0112202601179001167400120010010000001231234567811"
    for internal in (
        f"/api/billing/v1/documents/{key}.xml",
        "/api/billing/v1/documents",
        "/api/billing/v1/documents/",
    ):
        assert not [p for p in paths if re.fullmatch(p, internal)], internal
    for public in ("/api/billing/v1/invoices/x/xml", "/api/billing/v1/documentsx"):
        assert [p for p in paths if re.fullmatch(p, public)], public


def _gateway_zones() -> dict[str, tuple[int, list[str]]]:
    """zone → (requests per minute, the regex locations that use it) in the gateway template."""
    text = (ROOT / "deploy/gateway/gateway.conf.template").read_text()
    rates = {z: int(r) for z, r in re.findall(r"zone=(\w+):\w+ rate=(\d+)r/m;", text)}
    used: dict[str, list[str]] = {}
    for location, zone in re.findall(r"location [~=] (\S+) \{\s*limit_req zone=(\w+)", text):
        used.setdefault(zone, []).append(location)
    return {zone: (rate, used.get(zone, [])) for zone, rate in rates.items()}


def test_the_ingress_limits_the_gateways_routes_at_the_same_rates() -> None:
    ingresses = list(yaml.safe_load_all((K8S / "ingress-limits.yaml").read_text()))
    by_zone = {i["metadata"]["name"].removeprefix("selfcare-limit-"): i for i in ingresses}
    general = [
        path["path"]
        for rule in _yaml(K8S / "ingress.yaml")["spec"]["rules"]
        for path in rule["http"]["paths"]
    ]
    for zone, (rate, locations) in _gateway_zones().items():
        ingress = by_zone.get(zone.replace("_", "-"))
        assert ingress is not None and locations, f"zone {zone}: no Ingress or no location"
        notes = ingress["metadata"]["annotations"]
        assert notes["nginx.ingress.kubernetes.io/limit-rpm"] == str(rate), zone
        [path] = [p["path"] for r in ingress["spec"]["rules"] for p in r["http"]["paths"]]
        # A request on a limited path reaches this Ingress and no general route.
        sample = path.replace("(?:/refresh)?", "").replace("(?:/.*)?", "/x")
        sample = sample.replace(
            "(?:activations/resend|password-resets(?:/confirm)?)", "password-resets"
        )
        sample = sample.replace("[^/]+", "abc").replace("(?:/resend)?", "")
        sample = sample.replace("(", "").replace(")", "").rstrip("$")
        assert re.fullmatch(path, sample), (zone, sample)
        assert not [g for g in general if re.fullmatch(g, sample)], (zone, sample)


# A setting each need's component gives the container (deploy/k8s/base/needs/; sri: egress only).
NEED_ENV = {
    "smtp": "SMTP_USERNAME",
    "identity-jwks": "IDENTITY_JWKS_URL",
    "operator-account": "OPERATOR_PASSWORD",
    "signing-certificate": "SIGNING_P12_PASSWORD",
    "token-signing-key": "SIGNING_KEY_PATH",
    "ride-link-key": "RIDE_LINK_KEY",
    "rendering-api": "RENDERING_URL",
    "document-link-key": "DOCUMENT_LINK_KEY",
    "billing-api": "BILLING_URL",
}


@pytest.fixture(scope="module")
def built() -> dict[tuple[str, str], Any]:
    """`kubectl kustomize deploy/k8s`, by (kind, name); skipped where kubectl is not installed."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: the file checks above still ran")
    out = subprocess.run(
        [kubectl, "kustomize", str(K8S)], capture_output=True, text=True, check=True
    ).stdout
    assert not re.search(r"\bservice-(secrets|config)\b|selfcare/service\b", out), (
        "a placeholder of deploy/k8s/base/service was not renamed"
    )
    return {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(out)}


def _check_deployment(s: Service, deployment: Any) -> None:
    assert deployment["spec"]["replicas"] == s.k8s.min_replicas
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert labels["app.kubernetes.io/name"] == s.name
    assert labels["app.kubernetes.io/component"] == s.k8s.component
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["name"] == s.name
    assert re.search(rf"/selfcare/{s.name}:[^/]+$", container["image"]), container["image"]
    assert container["resources"] == {"requests": s.k8s.requests, "limits": s.k8s.limits}
    env = {e["name"] for e in container["env"]}
    wanted = {NEED_ENV[n] for n in s.needs if n in NEED_ENV}
    assert wanted <= env, f"{s.name}: its needs' settings {sorted(wanted - env)} are missing"


def test_k8s_build_matches_the_registry(built: dict[tuple[str, str], Any]) -> None:
    assert not [key for key in built if key[1] == "service"], "base resources left unrenamed"
    for s in SERVICES:
        for kind in ("Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy"):
            assert (kind, s.name) in built, f"kustomize build has no {kind} {s.name}"
        _check_deployment(s, built[("Deployment", s.name)])
        assert built[("Service", s.name)]["spec"]["selector"] == {"app.kubernetes.io/name": s.name}
        hpa = built.get(("HorizontalPodAutoscaler", s.name))
        keda = built.get(("ScaledObject", s.name))
        if s.k8s.scaling == "hpa":
            assert keda is None and hpa is not None, f"{s.name}: an HPA and no ScaledObject"
            bounds = hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]
        else:
            assert hpa is None and keda is not None, f"{s.name}: a ScaledObject and no HPA"
            bounds = keda["spec"]["minReplicaCount"], keda["spec"]["maxReplicaCount"]
        assert bounds == (s.k8s.min_replicas, s.k8s.max_replicas), f"{s.name}: replicas"


def test_the_ingress_adds_the_gateways_security_headers() -> None:
    text = (ROOT / "deploy/gateway/gateway.conf.template").read_text()
    gateway = {
        name: value.strip('"')
        for name, value in re.findall(r"add_header ([\w-]+) (.+?) always;", text)
        if not value.startswith("$")  # per-request values (ids, Retry-After)
    }
    k8s = _yaml(K8S / "security-headers.yaml")["data"]
    assert gateway and all(k8s.get(name) == value for name, value in gateway.items()), (
        "deploy/k8s/security-headers.yaml differs from the gateway's headers"
    )


def test_the_shutdown_budget_fits_the_pods_grace_period() -> None:
    deployment = _yaml(K8S / "base/service/deployment.yaml")["spec"]["template"]["spec"]
    [container] = deployment["containers"]
    pre_stop = int(container["lifecycle"]["preStop"]["exec"]["command"][-1])
    env = dict(
        line.split("=", 1)
        for line in (K8S / "platform.env").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    settings = ServiceSettings(
        service_name="any", shutdown_grace_seconds=float(env["SHUTDOWN_GRACE_SECONDS"])
    )
    # HTTP drains first, then consumers: the two phases run one after the other.
    total = settings.http_drain_seconds + settings.consumer_drain_seconds
    assert total <= settings.shutdown_grace_seconds
    assert pre_stop + total + 3 <= deployment["terminationGracePeriodSeconds"]
