"""deploy/k8s/ (issue 19): every overlay renders with `kubectl kustomize`, and the rendered
manifests keep the promises of deploy/k8s/README.md: every Procfile process has a
Deployment running the Procfile's command, no secret value is written into a manifest,
every container has probes and resources, only the gateway is exposed (one Ingress), image
tags are pinned, the order service scales (HPA on the sales API), relays run one replica,
every Deployment has a PodDisruptionBudget and Prometheus scrape annotations.

The dev overlay's secretGenerator reads git-ignored env files: the tests render a copy of
deploy/k8s with files written by deploy.k8s_secrets from freshly generated secrets."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from deploy.k8s_secrets import write_secret_files
from deploy.secrets import read_env_file
from shared.config import COMPONENTS

ROOT = Path(__file__).resolve().parents[3]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "production")
SECRET_NAMES = {"crm-shared", "crm-admin", *(f"crm-{c}" for c in COMPONENTS)}
SECRET_LOOKING = re.compile(r"PASSWORD|SECRET|JWT_KEYS|ADMIN_URL|TOKEN|_KEY$")
KUBECTL = shutil.which("kubectl")
VALIDATE = shutil.which("kubernetes-validate")  # optional: pip install kubernetes-validate (not a suite dependency)
SCHEMA_VERSION = "1.30.0"  # the oldest Kubernetes the manifests are meant for (README.md there)

pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl (with its built-in Kustomize) is not installed: "
                                "the manifests under deploy/k8s cannot be rendered here")


@pytest.fixture(scope="module")
def secrets_source(tmp_path_factory) -> dict[str, str]:
    """A copy of deploy/k8s with the dev overlay's env files, and the values written."""
    tree = tmp_path_factory.mktemp("k8s") / "k8s"
    shutil.copytree(K8S, tree, ignore=shutil.ignore_patterns("secrets"))
    source = tree.parent / "secrets.env"
    write_secret_files(tree / "overlays" / "dev" / "secrets", source)
    return {"tree": str(tree), **read_env_file(source)}


@pytest.fixture(scope="module")
def rendered(secrets_source) -> dict[str, list[dict]]:
    out = {}
    for overlay in OVERLAYS:
        result = subprocess.run([KUBECTL, "kustomize", str(Path(secrets_source["tree"]) / "overlays" / overlay)],
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"{overlay}: {result.stderr}"
        out[overlay] = [d for d in yaml.safe_load_all(result.stdout) if d]
    return out


def of_kind(docs: list[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def suite_deployments(docs: list[dict]) -> dict[str, dict]:
    return {n: d for n, d in of_kind(docs, "Deployment").items()
            if d["metadata"]["labels"].get("app.kubernetes.io/component") in ("api", "consumer", "relay", "worker")}


def containers(doc: dict) -> list[dict]:
    spec = doc["spec"]["template"]["spec"]
    return spec.get("initContainers", []) + spec["containers"]


def procfile() -> dict[str, list[str]]:
    """Procfile name -> the supervised command (after `--`)."""
    out = {}
    for line in (ROOT / "deploy" / "Procfile").read_text().splitlines():
        if ":" in line and not line.startswith("#"):
            name, _, command = line.partition(":")
            words = shlex.split(command)
            out[name.strip()] = words[words.index("--") + 1:]
    return out


def test_the_dev_overlay_renders_only_with_its_generated_secrets(secrets_source):
    """Without the git-ignored env files the dev overlay refuses to render (no fallback
    values); the production overlay needs none."""
    bare = Path(secrets_source["tree"]).parent / "bare"
    shutil.copytree(K8S, bare, ignore=shutil.ignore_patterns("secrets"))
    dev = subprocess.run([KUBECTL, "kustomize", str(bare / "overlays" / "dev")], capture_output=True, text=True)
    assert dev.returncode != 0 and "secrets/" in dev.stderr
    prod = subprocess.run([KUBECTL, "kustomize", str(bare / "overlays" / "production")], capture_output=True,
                          text=True)
    assert prod.returncode == 0, prod.stderr
    assert "deploy/k8s/overlays/*/secrets/" in (ROOT / ".gitignore").read_text().splitlines()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_procfile_process_has_a_deployment_running_its_command(rendered, overlay):
    deployments = suite_deployments(rendered[overlay])
    processes = procfile()
    assert set(deployments) == {name.replace("_", "-") for name in processes}
    for name, command in processes.items():
        [container] = deployments[name.replace("_", "-")]["spec"]["template"]["spec"]["containers"]
        got = container["command"]
        if command[0].endswith("gunicorn"):  # the same app and port, bound to every address
            bind = command[command.index("--bind") + 1]
            port = int(re.search(r"(\d+)\}?$", bind).group(1))  # 127.0.0.1:8101, ${GATEWAY_PORT:-8080}
            assert Path(got[0]).name == "gunicorn" and got[-1] == command[-1], (name, got)
            assert got[got.index("--bind") + 1] == f"0.0.0.0:{port}", (name, got)
            assert {p["containerPort"] for p in container["ports"]} == {port, 9100}
        else:
            assert Path(got[0]).name == "python" and got[1:] == command[1:], (name, got, command)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_secret_value_in_the_manifests(rendered, secrets_source, overlay):
    docs = rendered[overlay]
    # the sources define no Secret and no literal for one
    for path in K8S.rglob("*.yaml"):
        for doc in yaml.safe_load_all(path.read_text()):
            if not doc:
                continue
            assert doc.get("kind") != "Secret", path
            for generator in doc.get("secretGenerator", []):
                assert set(generator) <= {"name", "envs", "files", "type", "options"}, (path, generator)
    # settings hold no secret, and no container is given one as a literal value
    for config in of_kind(docs, "ConfigMap").values():
        assert not [k for k in config.get("data", {}) if SECRET_LOOKING.search(k)], config["metadata"]["name"]
    refs = set()
    for doc in [*of_kind(docs, "Deployment").values(), *of_kind(docs, "Job").values()]:
        for container in containers(doc):
            for env in container.get("env", []):
                if SECRET_LOOKING.search(env["name"]):
                    assert "value" not in env and "secretKeyRef" in env.get("valueFrom", {}), (doc, env)
                    refs.add(env["valueFrom"]["secretKeyRef"]["name"])
            refs |= {e["secretRef"]["name"] for e in container.get("envFrom", []) if "secretRef" in e}
    secrets = of_kind(docs, "Secret")
    if overlay == "production":  # created in the namespace by the operator (README.md)
        assert secrets == {} and refs == SECRET_NAMES
        return
    # dev: generated from the env files, exactly the values deploy.k8s_secrets wrote
    import base64

    by_base = {re.sub(r"-[a-z0-9]{10}$", "", name): doc for name, doc in secrets.items()}
    assert set(by_base) == SECRET_NAMES and refs == set(secrets)
    for doc in by_base.values():
        for key, value in doc["data"].items():
            value = base64.b64decode(value).decode()
            if key in secrets_source:
                assert value == secrets_source[key], key
            else:  # the admin URL and user are built from generated values, never defaults
                assert key in ("CRM_PG_ADMIN_URL", "CRM_RABBITMQ_ADMIN_USER"), key
                assert key != "CRM_PG_ADMIN_URL" or secrets_source["CRM_PG_ADMIN_PASSWORD"] in value
    # least privilege: a component's secret holds its own passwords only
    for name in COMPONENTS:
        assert set(by_base[f"crm-{name}"]["data"]) == {f"CRM_DB_PASSWORD_{name.upper()}",
                                                      f"CRM_BROKER_PASSWORD_{name.upper()}"}
    assert set(by_base["crm-shared"]["data"]) == {"CRM_INTERNAL_SECRET", "CRM_JWT_KEYS"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_process_gets_its_own_secret_only(rendered, overlay):
    for name, doc in suite_deployments(rendered[overlay]).items():
        component = doc["metadata"]["labels"]["crm.io/service"]
        [container] = containers(doc)
        refs = [re.sub(r"-[a-z0-9]{10}$", "", e["secretRef"]["name"]) for e in container["envFrom"] if "secretRef" in e]
        assert refs == ["crm-shared", f"crm-{component}"], (name, refs)
    [job] = of_kind(rendered[overlay], "Job").values()
    [container] = containers(job)
    assert container["command"] == ["python", "-m", "deploy.prepare"]
    refs = {re.sub(r"-[a-z0-9]{10}$", "", e["secretRef"]["name"]) for e in container["envFrom"] if "secretRef" in e}
    assert refs == SECRET_NAMES  # it sets every component's passwords, as the administrators


def _resources_complete(container: dict) -> bool:
    res = container.get("resources", {})
    return all(set(res.get(k, {})) >= {"cpu", "memory"} for k in ("requests", "limits"))


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_has_probes_and_resources(rendered, overlay):
    for name, doc in of_kind(rendered[overlay], "Deployment").items():
        for container in containers(doc):
            assert container.get("readinessProbe") and container.get("livenessProbe"), (name, container["name"])
            assert _resources_complete(container), (name, container["name"])
            ports = {p["name"] for p in container.get("ports", [])}
            for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
                port = container.get(probe, {}).get("httpGet", {}).get("port")
                assert port is None or port in ports, (name, probe, port)
    for name, doc in suite_deployments(rendered[overlay]).items():
        [container] = containers(doc)
        if doc["metadata"]["labels"]["app.kubernetes.io/component"] == "api":
            assert container["readinessProbe"]["httpGet"]["path"].startswith("/readyz"), name
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name
        # non-root, read-only root file system (pod-defaults.yaml)
        assert doc["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
    # the gateway's readiness is its own: one service down must not close the only door
    gateway = suite_deployments(rendered[overlay])["gateway"]
    assert gateway["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["path"] == \
        "/readyz?scope=gateway"
    for name, doc in of_kind(rendered[overlay], "Job").items():
        assert all(_resources_complete(c) for c in containers(doc)), name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_the_gateway_is_exposed(rendered, overlay):
    docs = rendered[overlay]
    ingresses = list(of_kind(docs, "Ingress").values())
    assert len(ingresses) == 1
    backends = [path["backend"]["service"]["name"] for rule in ingresses[0]["spec"]["rules"]
                for path in rule["http"]["paths"]]
    assert backends and set(backends) == {"gateway"}
    default = ingresses[0]["spec"].get("defaultBackend")
    assert default is None or default["service"]["name"] == "gateway"
    for name, service in of_kind(docs, "Service").items():
        assert service["spec"].get("type", "ClusterIP") == "ClusterIP", name
    for doc in of_kind(docs, "Deployment").values():
        for container in containers(doc):
            assert not [p for p in container.get("ports", []) if "hostPort" in p]
        assert not doc["spec"]["template"]["spec"].get("hostNetwork")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_image_tags_are_pinned(rendered, overlay):
    for doc in [*of_kind(rendered[overlay], "Deployment").values(), *of_kind(rendered[overlay], "Job").values()]:
        for container in containers(doc):
            image = container["image"]
            if "@sha256:" in image:
                continue
            last = image.rsplit("/", 1)[-1]
            assert ":" in last, image
            tag = last.rsplit(":", 1)[1]
            assert tag and tag != "latest" and re.search(r"\d", tag), image


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_order_service_scales_and_relays_run_once(rendered, overlay):
    docs = rendered[overlay]
    deployments = suite_deployments(docs)
    [hpa] = of_kind(docs, "HorizontalPodAutoscaler").values()
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "sales-api"}
    assert 1 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
    assert "replicas" not in deployments["sales-api"]["spec"]  # the autoscaler owns it
    for name, doc in deployments.items():
        if name.endswith("-relay"):
            assert doc["spec"]["replicas"] == 1, name
    if overlay == "production":
        assert deployments["sales-consumer"]["spec"]["replicas"] >= 2
        assert deployments["inventory-consumer"]["spec"]["replicas"] >= 2  # row locks: replicas add throughput
        assert all(deployments[n]["spec"]["replicas"] >= 2 for n in deployments
                   if n.endswith("-api") and n != "sales-api" or n == "gateway")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_disruption_budgets_services_and_scraping(rendered, overlay):
    docs = rendered[overlay]
    deployments = suite_deployments(docs)
    covered = []
    for name, pdb in of_kind(docs, "PodDisruptionBudget").items():
        selector = pdb["spec"]["selector"]["matchLabels"]
        matched = [n for n, d in deployments.items()
                   if selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()]
        assert len(matched) == 1, (name, matched)
        covered += matched
    assert sorted(covered) == sorted(deployments)
    all_deployments = of_kind(docs, "Deployment")
    for name, service in of_kind(docs, "Service").items():
        targets = [d for d in all_deployments.values()
                   if service["spec"]["selector"].items() <= d["spec"]["template"]["metadata"]["labels"].items()]
        assert len(targets) == 1, name
        port_names = {p["name"] for c in containers(targets[0]) for p in c.get("ports", [])}
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= port_names, name
    [config] = [c for n, c in of_kind(docs, "ConfigMap").items() if n.startswith("crm-config")]
    assert config["data"]["CRM_METRICS_PORT"] == "9100" and config["data"]["CRM_METRICS_HOST"] == "0.0.0.0"
    for name, doc in deployments.items():
        annotations = doc["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true" and annotations["prometheus.io/port"] == "9100", name
    # every service URL the gateway is given names a Service and its port
    services = of_kind(docs, "Service")
    for key, url in config["data"].items():
        if key.endswith("_URL") and url.startswith("http://") and key != "CRM_RABBITMQ_MANAGEMENT_URL":
            host, port = url[len("http://"):].split(":")
            assert host in services and int(port) in {p["port"] for p in services[host]["spec"]["ports"]}, key


@pytest.mark.skipif(VALIDATE is None, reason="kubernetes-validate is not installed (optional: pip install "
                    "kubernetes-validate; it bundles the Kubernetes JSON schemas)")
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_rendered_manifests_validate_against_the_kubernetes_schemas(rendered, overlay, tmp_path):
    """Strict schema validation (an unknown or misspelt field fails) of every rendered object."""
    path = tmp_path / f"{overlay}.yaml"
    path.write_text(yaml.safe_dump_all(rendered[overlay]))
    result = subprocess.run([VALIDATE, "--strict", "--quiet", "-k", SCHEMA_VERSION, str(path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and "ERROR" not in result.stdout + result.stderr, result.stdout + result.stderr
