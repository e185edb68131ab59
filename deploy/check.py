#!/usr/bin/env python3
"""Offline consistency checks of deploy/ (no Docker engine, no cluster needed).

    python3 deploy/check.py

Checks that every YAML file parses, that every Kubernetes object has apiVersion/kind/metadata.name, and that
the files agree with each other and with the service: probe paths are the ones HealthEndpoints.cs maps, ports
match the Dockerfile, selectors match the pod labels, $(VAR) references are defined, the CloudNativePG secret
names and keys are ones the operator creates, the Compose nodes get the settings API.md names. It does not
validate against the Kubernetes or Compose schemas (deploy/README.md says how that was done).
Needs PyYAML (python3-yaml); exits 0 when all checks pass, 1 otherwise.
"""
import pathlib
import re
import sys

try:
    import yaml
except ImportError:
    sys.exit("PyYAML is missing: apt-get install python3-yaml (or pip install pyyaml)")

DEPLOY = pathlib.Path(__file__).resolve().parent
REPO = DEPLOY.parent
K8S = DEPLOY / "kubernetes"
failures: list[str] = []


def check(ok: bool, message: str) -> None:
    print(("ok    " if ok else "FAIL  ") + message)
    if not ok:
        failures.append(message)


def load_all(path: pathlib.Path) -> list:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]


# --- every YAML file parses -------------------------------------------------------------------------------
docs_by_file: dict[pathlib.Path, list] = {}
for path in sorted(DEPLOY.rglob("*.y*ml")):
    try:
        docs_by_file[path] = load_all(path)
        check(True, f"{path.relative_to(REPO)} parses ({len(docs_by_file[path])} document(s))")
    except yaml.YAMLError as e:
        check(False, f"{path.relative_to(REPO)} does not parse: {e}")

# --- what the service and the image provide ---------------------------------------------------------------
health_cs = (REPO / "src/CapitalFlows/Operations/HealthEndpoints.cs").read_text(encoding="utf-8")
served_health_paths = set(re.findall(r'MapHealthChecks\("([^"]+)"', health_cs))
check({"/health/live", "/health/ready"} <= served_health_paths,
      f"the service maps /health/live and /health/ready (found {sorted(served_health_paths)})")

dockerfile = (DEPLOY / "container/Dockerfile").read_text(encoding="utf-8")
exposed = re.search(r"^EXPOSE (\d+)", dockerfile, re.M)
urls_port = re.search(r"ASPNETCORE_URLS=http://\+:(\d+)", dockerfile)
image_port = int(exposed.group(1)) if exposed else None
check(exposed is not None and urls_port is not None and int(urls_port.group(1)) == image_port,
      f"Dockerfile: EXPOSE {image_port} is the port of ASPNETCORE_URLS")
check(re.search(r"^USER \$APP_UID", dockerfile, re.M) is not None, "Dockerfile: runs as the image's non-root app user")
healthcheck = re.search(r"^HEALTHCHECK .*?CMD (\[.*\])$", dockerfile.replace("\\\n", " "), re.M)
check(healthcheck is not None and "/health/live" in healthcheck.group(1) and f"/{image_port}" in healthcheck.group(1),
      "Dockerfile: HEALTHCHECK asks /health/live on the exposed port")
for needed in ("global.json", "Directory.Build.props", "Directory.Packages.props", ".editorconfig",
               "src/CapitalFlows/CapitalFlows.csproj"):
    check(re.search(rf"^COPY .*{re.escape(needed)}", dockerfile, re.M) is not None
          and (REPO / needed).exists(), f"Dockerfile copies {needed} (and it exists)")
ignore = (DEPLOY / "container/Dockerfile.dockerignore").read_text(encoding="utf-8").split()
for needed in ("!global.json", "!Directory.Build.props", "!Directory.Packages.props", "!.editorconfig", "!src/"):
    check(needed in ignore, f"Dockerfile.dockerignore lets {needed[1:]} into the context")
APP_UID = 1654  # mcr.microsoft.com/dotnet/runtime-deps: ENV APP_UID=1654, user "app"

# --- Kubernetes -------------------------------------------------------------------------------------------
kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
resources = kustomization.get("resources", [])
for r in resources:
    check((K8S / r).exists(), f"kustomization resource {r} exists")
objects = []
for path in sorted(K8S.glob("*.yaml")):
    if path.name == "kustomization.yaml":
        continue
    for d in docs_by_file.get(path, []):
        ok = isinstance(d, dict) and all(d.get(k) for k in ("apiVersion", "kind")) and (d.get("metadata") or {}).get("name")
        check(bool(ok), f"{path.name}: {d.get('kind')}/{(d.get('metadata') or {}).get('name')} has apiVersion, kind, metadata.name")
        if d.get("kind") != "Namespace":
            check((d.get("metadata") or {}).get("namespace") == kustomization.get("namespace"),
                  f"{path.name}: {d.get('kind')} is in namespace {kustomization.get('namespace')}")
        objects.append((path.name, d))
listed_or_noted = (K8S / "kustomization.yaml").read_text(encoding="utf-8")
for path in sorted(K8S.glob("*.yaml")):
    if path.name != "kustomization.yaml":
        check(path.name in listed_or_noted, f"kustomization.yaml lists (or comments on) {path.name}")


def one(kind: str) -> dict:
    found = [d for _, d in objects if d["kind"] == kind]
    check(len(found) == 1, f"exactly one {kind}")
    return found[0] if found else {}


deployment, service, pdb, configmap, cluster = (one(k) for k in ("Deployment", "Service", "PodDisruptionBudget", "ConfigMap", "Cluster"))
pod = deployment["spec"]["template"]["spec"]
labels = deployment["spec"]["template"]["metadata"]["labels"]
container = pod["containers"][0]
ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}

check(deployment["spec"].get("replicas", 1) >= 2, "Deployment: at least 2 replicas")
check(deployment["spec"]["selector"]["matchLabels"].items() <= labels.items(), "Deployment: selector matches the pod labels")
check(service["spec"]["selector"].items() <= labels.items(), "Service: selector matches the pod labels")
check(pdb["spec"]["selector"]["matchLabels"].items() <= labels.items(), "PodDisruptionBudget: selector matches the pod labels")
check(pdb["spec"].get("minAvailable") == 1 and deployment["spec"]["replicas"] > 1, "PodDisruptionBudget: minAvailable 1, below the replica count")
check(all(p["targetPort"] in ports or p["targetPort"] in ports.values() for p in service["spec"]["ports"]), "Service: targetPort is a container port")
check(list(ports.values()) == [image_port], f"Deployment: the container port is the image's port {image_port}")

probe_paths = {}
for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
    get = (container.get(probe) or {}).get("httpGet") or {}
    probe_paths[probe] = get.get("path")
    check(get.get("path") in served_health_paths and (get.get("port") in ports or get.get("port") == image_port),
          f"Deployment: {probe} asks {get.get('path')} on port {get.get('port')}, which the service serves")
check(probe_paths["readinessProbe"] == "/health/ready", "Deployment: readiness is /health/ready")
check(probe_paths["livenessProbe"] == "/health/live", "Deployment: liveness is /health/live (never the database)")

security = {**(pod.get("securityContext") or {}), **(container.get("securityContext") or {})}
check(security.get("runAsNonRoot") is True and security.get("runAsUser") == APP_UID, f"Deployment: runs as non-root uid {APP_UID}")
check(security.get("readOnlyRootFilesystem") is True and security.get("allowPrivilegeEscalation") is False
      and security.get("capabilities", {}).get("drop") == ["ALL"], "Deployment: read-only root, no privilege escalation, no capabilities")
mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
check("/tmp" in mounts, "Deployment: /tmp is a writable volume (the root file system is read-only)")
check(all(c in container.get("resources", {}).get(k, {}) for k, c in (("requests", "cpu"), ("requests", "memory"), ("limits", "memory"))),
      "Deployment: cpu/memory requests and a memory limit")
pre_stop = container.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
sleep_s = int(pre_stop[1]) if pre_stop[:1] == ["sleep"] else 0
check(sleep_s > 0 and pod.get("terminationGracePeriodSeconds", 30) >= sleep_s + 30,
      f"Deployment: preStop sleep {sleep_s}s + 30s host shutdown fit in terminationGracePeriodSeconds {pod.get('terminationGracePeriodSeconds')}")
check(bool(pod.get("topologySpreadConstraints") or pod.get("affinity", {}).get("podAntiAffinity")), "Deployment: replicas are spread over nodes")

# environment: $(VAR) references, CloudNativePG secret names and keys, configuration names
CNPG_APP_KEYS = {"username", "user", "password", "dbname", "host", "port", "pgpass", "uri", "jdbc-uri", "fqdn-uri", "fqdn-jdbc-uri"}
cluster_name = cluster["metadata"]["name"]
managed_roles = (cluster["spec"].get("managed") or {}).get("roles", [])
service_role_secrets = {(r.get("passwordSecret") or {}).get("name") for r in managed_roles if r.get("login")}
defined = set((configmap.get("data") or {}).keys()) if any(
    (e.get("configMapRef") or {}).get("name") == configmap["metadata"]["name"] for e in container.get("envFrom", [])) else set()
env = {}
for e in container.get("env", []):
    for ref in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", e.get("value", "")):
        check(ref in defined, f"Deployment: $({ref}) in {e['name']} is defined before it")
    secret_ref = (e.get("valueFrom") or {}).get("secretKeyRef")
    if secret_ref:
        check((secret_ref["name"] == f"{cluster_name}-app" and secret_ref["key"] in CNPG_APP_KEYS)
              or (secret_ref["name"] in service_role_secrets and secret_ref["key"] in ("username", "password")),
              f"Deployment: {e['name']} reads key '{secret_ref['key']}' of {secret_ref['name']}, which CloudNativePG creates or a managed role names")
    defined.add(e["name"])
    env[e["name"]] = e.get("value")
connection = env.get("ConnectionStrings__CapitalFlows") or ""
user_ref = next(((e.get("valueFrom") or {}).get("secretKeyRef") or {} for e in container.get("env", []) if e["name"] == "DB_USER"), {})
check(user_ref.get("name") in service_role_secrets and "Username=$(DB_USER)" in connection,
      "Deployment: the service connects as a managed login role of the Cluster, not as the owner (who can change events)")
init = {c["name"]: c for c in pod.get("initContainers", [])}.get("db-apply", {})
init_env = {e["name"]: e for e in init.get("env", [])}
owner_ref = ((init_env.get("DB_OWNER") or {}).get("valueFrom") or {}).get("secretKeyRef") or {}
check(init.get("args") == ["db-apply"] and init.get("image") == container.get("image")
      and owner_ref.get("name") == f"{cluster_name}-app" and owner_ref.get("key") == "username",
      "Deployment: an init container runs db-apply, with the service's image, as the database owner (the migration role)")
post_init = " ".join(cluster["spec"]["bootstrap"]["initdb"].get("postInitApplicationSQL", []))
check(all(f"{r['name']}" in post_init for r in managed_roles), "Cluster: postInitApplicationSQL creates and grants the managed roles")
check(bool(connection) and "Password=$(DB_PASSWORD)" in connection, "Deployment: ConnectionStrings__CapitalFlows is built from the CloudNativePG secret")
root_cert = re.search(r"Root Certificate=([^;]+)", connection)
volumes = {v["name"]: v for v in pod.get("volumes", [])}
if root_cert:
    mount_dir, file_name = root_cert.group(1).rsplit("/", 1)
    volume = volumes.get(mounts.get(mount_dir, ""), {})
    items = [i["path"] for i in (volume.get("secret") or {}).get("items", [])]
    check((volume.get("secret") or {}).get("secretName") == f"{cluster_name}-ca" and items == [file_name] and file_name == "ca.crt",
          f"Deployment: Root Certificate {root_cert.group(1)} is ca.crt of {cluster_name}-ca (and only that key)")
settings = configmap.get("data") or {}
for key in ("Auth__Authority", "Auth__Issuer", "Auth__Audience", "Health__MaxProjectionLagSeconds", "OTEL_EXPORTER_OTLP_ENDPOINT"):
    check(bool(settings.get(key)), f"ConfigMap: {key} is set")
check(settings.get("Wolverine__DurabilityMode") == "Balanced", "ConfigMap: Wolverine__DurabilityMode=Balanced")
for key in ("RateLimits__CommandsPerMinute", "RateLimits__ExportsPerMinute"):
    check(str(settings.get(key, "")).isdigit() and int(settings[key]) > 0, f"ConfigMap: {key} is a per-caller limit (a whole number above 0)")
check("Auth__SigningKey" not in settings and settings.get("ASPNETCORE_ENVIRONMENT", "Production") == "Production",
      "ConfigMap: Production, and no development signing key")
initdb = cluster["spec"]["bootstrap"]["initdb"]
check(cluster["apiVersion"] == "postgresql.cnpg.io/v1" and cluster["spec"]["instances"] == 3
      and initdb.get("database") == "capitalflows" and bool(initdb.get("owner")), "Cluster: 3 instances, database capitalflows with an owner")
check(":15" in cluster["spec"].get("imageName", ""), "Cluster: a PostgreSQL 15 image")
hpa_path = K8S / "horizontalpodautoscaler.yaml"
if hpa_path.exists():
    hpa = load_all(hpa_path)[0]
    pool = int(re.search(r"Maximum Pool Size=(\d+)", connection).group(1))
    max_conn = int(cluster["spec"]["postgresql"]["parameters"]["max_connections"])
    check(hpa["spec"]["maxReplicas"] * pool < max_conn,
          f"HPA: {hpa['spec']['maxReplicas']} replicas x pool {pool} < max_connections {max_conn}")
    check(hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"], "HPA: targets the Deployment")


def most_in_flight(pool):
    """CommandLimits.MostInFlight: the pool less a quarter (at least 4) kept for reads."""
    return max(1, pool - max(4, pool // 4))


k8s_pool = int(re.search(r"Maximum Pool Size=(\d+)", connection).group(1))
k8s_in_flight = int(settings.get("Commands__MaxInFlight", "48"))
check(k8s_in_flight <= most_in_flight(k8s_pool),
      f"ConfigMap: Commands__MaxInFlight {k8s_in_flight} <= {most_in_flight(k8s_pool)} (pool {k8s_pool} less the read reserve)")
check(0 < float(settings.get("Commands__LockTimeoutSeconds", "10")) < 30,
      "ConfigMap: Commands__LockTimeoutSeconds is below Npgsql's command timeout (30 s)")

# --- Compose ----------------------------------------------------------------------------------------------
compose = docs_by_file.get(DEPLOY / "compose/compose.yaml", [{}])[0]
services = compose.get("services", {})
nodes = {n: s for n, s in services.items() if (s.get("build") or {}).get("dockerfile") == "deploy/container/Dockerfile"}
check(len(nodes) == 2, f"Compose: two service nodes built from the Dockerfile ({sorted(nodes)})")
for name, node in nodes.items():
    e = node.get("environment", {})
    check(node["build"].get("context") == "../..", f"Compose {name}: the build context is the repository root")
    check(e.get("Wolverine__DurabilityMode") == "Balanced" and e.get("OTEL_EXPORTER_OTLP_ENDPOINT") == "http://otel-collector:4317"
          and "Host=postgres;" in e.get("ConnectionStrings__CapitalFlows", ""), f"Compose {name}: Balanced, OTLP to the collector, database 'postgres'")
    test = " ".join(node.get("healthcheck", {}).get("test", []))
    check("/health/ready" in test and f"/{image_port}" in test, f"Compose {name}: healthcheck asks /health/ready on {image_port}")
    check(node.get("depends_on", {}).get("postgres", {}).get("condition") == "service_healthy", f"Compose {name}: waits for a healthy postgres")
    pool_match = re.search(r"Maximum Pool Size=(\d+)", e.get("ConnectionStrings__CapitalFlows", ""))
    compose_pool = int(pool_match.group(1)) if pool_match else 100
    compose_in_flight = int(e.get("Commands__MaxInFlight", "48"))
    check(compose_in_flight <= most_in_flight(compose_pool),
          f"Compose {name}: Commands__MaxInFlight {compose_in_flight} <= {most_in_flight(compose_pool)} (pool {compose_pool} less the read reserve)")
check("pg_isready" in " ".join(services.get("postgres", {}).get("healthcheck", {}).get("test", [])), "Compose: postgres healthcheck uses pg_isready")
nginx = (DEPLOY / "compose/nginx.conf").read_text(encoding="utf-8")
check(all(f"server {n}:{image_port}" in nginx for n in nodes), "nginx.conf: the upstream is both nodes on the image's port")
collector = docs_by_file.get(DEPLOY / "compose/otel-collector.yaml", [{}])[0]
for pipeline, spec in collector.get("service", {}).get("pipelines", {}).items():
    for section in ("receivers", "processors", "exporters"):
        for component in spec.get(section, []):
            check(component in (collector.get(section) or {}), f"otel-collector.yaml: {pipeline} pipeline's {component} is configured")
for ext in collector.get("service", {}).get("extensions", []):
    check(ext in (collector.get("extensions") or {}), f"otel-collector.yaml: extension {ext} is configured")
prom = docs_by_file.get(DEPLOY / "compose/prometheus.yml", [{}])[0]
exporter_port = str((collector.get("exporters", {}).get("prometheus") or {}).get("endpoint", "")).rsplit(":", 1)[-1]
targets = [t for job in prom.get("scrape_configs", []) for sc in job.get("static_configs", []) for t in sc.get("targets", [])]
check(f"otel-collector:{exporter_port}" in targets, f"prometheus.yml scrapes the collector's prometheus exporter (:{exporter_port})")

print(f"\n{len(failures)} failing" if failures else "\nall checks pass")
sys.exit(1 if failures else 0)
