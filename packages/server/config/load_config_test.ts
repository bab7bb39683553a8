import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { ConfigError } from "./config_error.ts";
import { type Config, loadConfig } from "./load_config.ts";
import type { LocalSettings } from "@taskdl/storage";

const dataDir = mkdtempSync(join(tmpdir(), "taskdl-config-"));
after(() => rmSync(dataDir, { recursive: true, force: true }));

const SECRET = "s".repeat(32);
const KEY = "k".repeat(32);

function localStorage(config: Config): LocalSettings & { signingKeys: Config["linkKeys"] } {
  assert.equal(config.storage.driver, "local");
  return { ...(config.storage as LocalSettings), signingKeys: config.linkKeys };
}

test("defaults: port 3000 on 127.0.0.1, embedded database, local storage in DATA_DIR, one hour links", () => {
  const config = loadConfig({ DATA_DIR: dataDir, JWT_SECRET: SECRET, URL_SIGNING_KEY: KEY });
  assert.equal(config.port, 3000);
  assert.equal(config.host, "127.0.0.1");
  assert.equal(config.publicBaseUrl, undefined);
  assert.equal(config.databaseUrl, undefined);
  assert.equal(config.dataDir, dataDir);
  assert.equal(config.storage.driver, "local");
  assert.equal(localStorage(config).root, join(dataDir, "files"));
  assert.equal(localStorage(config).linkFormat, 2);
  assert.equal(config.downloadUrlTtl, 3600);
  assert.equal(config.downloadUrlMaxTtl, 604800);
  assert.deepEqual(config.jwt.algorithms, ["HS256"]);
  assert.equal(config.seedDemo, true);
  assert.equal(config.logLevel, "info");
  assert.deepEqual(config.taskCache, { capacity: 200_000, ttlMs: 10_000, listen: true });
  assert.equal(config.metrics, undefined);
});

test("every variable is read by its exact name", () => {
  const config = loadConfig({
    PORT: "8080",
    HOST: "0.0.0.0",
    PUBLIC_BASE_URL: "https://dl.example.com/taskdl/",
    DATABASE_URL: "postgres://u:p@db:5432/x",
    DATABASE_LISTEN_URL: "postgres://u:p@db-direct:5432/x",
    DATA_DIR: dataDir,
    JWT_SECRET: SECRET,
    JWT_ALGORITHMS: "HS256, HS512",
    JWT_ISSUER: "https://issuer.example.com",
    JWT_AUDIENCE: "taskdl,other",
    STORAGE_DRIVER: "local",
    STORAGE_LOCAL_DIR: "/srv/files",
    STORAGE_LOCAL_LINK_FORMAT: "1",
    TASK_CACHE_CAPACITY: "5000",
    TASK_CACHE_TTL_MS: "2500",
    TASK_CACHE_LISTEN: "false",
    URL_SIGNING_KEY: KEY,
    DOWNLOAD_URL_TTL: "1",
    DOWNLOAD_URL_MAX_TTL: "7200",
    SEED_DEMO: "off",
    LOG_LEVEL: "warn",
    METRICS_HOST: "0.0.0.0",
    METRICS_PORT: "9464",
  });
  assert.equal(config.port, 8080);
  assert.equal(config.host, "0.0.0.0");
  assert.equal(config.publicBaseUrl, "https://dl.example.com/taskdl");
  assert.equal(config.databaseUrl, "postgres://u:p@db:5432/x");
  assert.equal(config.databaseListenUrl, "postgres://u:p@db-direct:5432/x");
  assert.deepEqual(config.jwt.algorithms, ["HS256", "HS512"]);
  assert.equal(config.jwt.issuer, "https://issuer.example.com");
  assert.deepEqual(config.jwt.audience, ["taskdl", "other"]);
  assert.equal(localStorage(config).root, "/srv/files");
  assert.equal(localStorage(config).linkFormat, 1);
  assert.equal(config.downloadUrlTtl, 1);
  assert.equal(config.downloadUrlMaxTtl, 7200);
  assert.equal(config.seedDemo, false);
  assert.equal(config.logLevel, "warn");
  assert.deepEqual(config.taskCache, { capacity: 5000, ttlMs: 2500, listen: false });
  assert.deepEqual(config.metrics, { host: "0.0.0.0", port: 9464 });
});

test("a bad value stops start-up naming the variable, without echoing secrets", () => {
  const base = { DATA_DIR: dataDir, JWT_SECRET: SECRET, URL_SIGNING_KEY: KEY };
  const cases: [Record<string, string>, RegExp][] = [
    [{ PORT: "abc" }, /PORT must be an integer from 0 to 65535 \(got "abc"\)/],
    [{ EMBEDDED_POSTGRES: "false" }, /DATABASE_URL must be set when EMBEDDED_POSTGRES is false/],
    [{ METRICS_PORT: "70000" }, /METRICS_PORT must be at most 65535 \(got "70000"\)/],
    [{ PORT: "70000" }, /PORT must be at most 65535/],
    [{ PUBLIC_BASE_URL: "ftp://x" }, /PUBLIC_BASE_URL must be an http\(s\) URL/],
    [{ DATABASE_URL: "mysql://x" }, /DATABASE_URL must be a postgres:\/\//],
    [
      { DATABASE_LISTEN_URL: `mysql://u:${SECRET}@x` },
      /DATABASE_LISTEN_URL must be a postgres:\/\/ or postgresql:\/\/ URL$/,
    ],
    [{ JWT_ALGORITHMS: "none" }, /JWT_ALGORITHMS may only list/],
    [{ JWT_ALGORITHMS: "RS256" }, /asymmetric algorithms, which need JWT_JWKS_URL/],
    [{ STORAGE_DRIVER: "ftp" }, /STORAGE_DRIVER must be one of local/],
    [{ STORAGE_LOCAL_LINK_FORMAT: "3" }, /STORAGE_LOCAL_LINK_FORMAT must be 1 or 2/],
    [{ DOWNLOAD_URL_TTL: "0" }, /DOWNLOAD_URL_TTL must be at least 1/],
    [
      { DOWNLOAD_URL_TTL: "9000", DOWNLOAD_URL_MAX_TTL: "3600" },
      /DOWNLOAD_URL_TTL \(9000\) must not exceed DOWNLOAD_URL_MAX_TTL/,
    ],
    [{ SEED_DEMO: "maybe" }, /SEED_DEMO must be true or false/],
    [{ TASK_CACHE_LISTEN: "sometimes" }, /TASK_CACHE_LISTEN must be true or false/],
    [{ LOG_LEVEL: "loud" }, /LOG_LEVEL must be one of/],
    [{ JWT_JWKS_URL: "https://idp.example.com/jwks" }, /set either JWT_SECRET or JWT_JWKS_URL, not both/],
    [
      { JWT_JWKS_URL: "https://idp.example.com/jwks", JWT_SECRET: "", JWT_ALGORITHMS: "HS256" },
      /must not list HS256 when JWT_JWKS_URL is set/,
    ],
  ];
  for (const [env, message] of cases) {
    assert.throws(
      () => loadConfig({ ...base, ...env }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /^Invalid configuration: /);
        assert.match(error.message, message);
        assert.ok(!error.message.includes(SECRET));
        return true;
      },
    );
  }
});

test("JWKS mode pins RS256 and ES256 by default and needs no shared secret", () => {
  const config = loadConfig({ DATA_DIR: dataDir, URL_SIGNING_KEY: KEY, JWT_JWKS_URL: "https://idp.example.com/jwks" });
  assert.deepEqual(config.jwt.algorithms, ["RS256", "ES256"]);
  assert.equal(config.jwt.secret, undefined);
});

test("outside production, missing secrets are generated once and kept in DATA_DIR", () => {
  const dir = join(dataDir, "generated");
  const first = loadConfig({ DATA_DIR: dir });
  assert.equal(first.notices.length, 2);
  assert.match(first.notices[0] ?? "", /JWT_SECRET was not set: generated one and kept it in .*secrets\/JWT_SECRET/);
  const path = join(dir, "secrets", "JWT_SECRET");
  assert.equal(readFileSync(path, "utf8").trim(), first.jwt.secret);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const second = loadConfig({ DATA_DIR: dir });
  assert.equal(second.jwt.secret, first.jwt.secret);
  assert.deepEqual(localStorage(second).signingKeys, localStorage(first).signingKeys);
  assert.deepEqual(second.notices, []);
});

test("in production a missing or short secret stops start-up, and the demo is off", () => {
  const production = { NODE_ENV: "production", DATA_DIR: dataDir };
  assert.throws(() => loadConfig({ ...production, URL_SIGNING_KEY: KEY }), /JWT_SECRET is required in production/);
  assert.throws(
    () => loadConfig({ ...production, JWT_SECRET: "short", URL_SIGNING_KEY: KEY }),
    /JWT_SECRET must be at least 32 bytes/,
  );
  assert.throws(() => loadConfig({ ...production, JWT_SECRET: SECRET }), /URL_SIGNING_KEY is required in production/);
  const config = loadConfig({ ...production, JWT_SECRET: SECRET, URL_SIGNING_KEY: KEY });
  assert.equal(config.production, true);
  assert.equal(config.seedDemo, false);
});

test("URL_SIGNING_KEYS lists kid:key pairs, the first signing; URL_SIGNING_KEY is one key named default", () => {
  const base = { DATA_DIR: dataDir, JWT_SECRET: SECRET };
  assert.deepEqual(localStorage(loadConfig({ ...base, URL_SIGNING_KEY: KEY })).signingKeys, [
    { kid: "default", key: KEY },
  ]);
  const rotated = loadConfig({ ...base, URL_SIGNING_KEYS: `new-2026:${"n".repeat(32)}, old_2025:${KEY}` });
  assert.deepEqual(localStorage(rotated).signingKeys, [
    { kid: "new-2026", key: "n".repeat(32) },
    { kid: "old_2025", key: KEY },
  ]);
  for (const [value, message] of [
    [`nokid${KEY}`, /URL_SIGNING_KEYS must be kid:key pairs/],
    [`bad kid:${KEY}`, /URL_SIGNING_KEYS must be kid:key pairs/],
    ["a:", /URL_SIGNING_KEYS must be kid:key pairs/],
    [`a:${KEY},a:${"x".repeat(32)}`, /URL_SIGNING_KEYS names a kid twice/],
  ] as const) {
    assert.throws(() => loadConfig({ ...base, URL_SIGNING_KEYS: value }), message, value);
  }
  assert.throws(
    () => loadConfig({ ...base, URL_SIGNING_KEY: KEY, URL_SIGNING_KEYS: `a:${KEY}` }),
    /either URL_SIGNING_KEY or URL_SIGNING_KEYS/,
  );
  assert.throws(
    () => loadConfig({ ...base, NODE_ENV: "production", URL_SIGNING_KEYS: `a:${KEY},b:short` }),
    (error: Error) =>
      /URL_SIGNING_KEYS \(b\) must be at least 32 bytes/.test(error.message) && !error.message.includes("short"),
  );
});

test("STORAGE_DRIVER=s3 reads the bucket, region, endpoint, path style and static credentials", () => {
  const base = { DATA_DIR: dataDir, JWT_SECRET: SECRET, STORAGE_DRIVER: "s3" };
  assert.throws(() => loadConfig(base), /S3_BUCKET is required when STORAGE_DRIVER is s3/);
  assert.deepEqual(loadConfig({ ...base, S3_BUCKET: "outputs" }).storage, {
    driver: "s3",
    bucket: "outputs",
    region: "us-east-1",
    endpoint: undefined,
    forcePathStyle: false,
    credentials: undefined,
  });
  const minio = loadConfig({
    ...base,
    S3_BUCKET: "outputs",
    S3_REGION: "eu-central-1",
    S3_ENDPOINT: "http://127.0.0.1:9000/",
    S3_FORCE_PATH_STYLE: "true",
    AWS_ACCESS_KEY_ID: "minioadmin",
    AWS_SECRET_ACCESS_KEY: "minioadmin-secret",
  });
  assert.deepEqual(minio.storage, {
    driver: "s3",
    bucket: "outputs",
    region: "eu-central-1",
    endpoint: "http://127.0.0.1:9000",
    forcePathStyle: true,
    credentials: { accessKeyId: "minioadmin", secretAccessKey: "minioadmin-secret" },
  });
  assert.throws(
    () => loadConfig({ ...base, S3_BUCKET: "b", AWS_ACCESS_KEY_ID: "x" }),
    /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY together/,
  );
  assert.throws(() => loadConfig({ ...base, S3_BUCKET: "b", S3_ENDPOINT: "minio:9000" }), /S3_ENDPOINT/);
  assert.throws(
    () => loadConfig({ ...base, S3_BUCKET: "b", DOWNLOAD_URL_MAX_TTL: "604801" }),
    /DOWNLOAD_URL_MAX_TTL must be at most 604800 with STORAGE_DRIVER=s3/,
  );
});

test("STORAGE_DRIVER=azure needs a connection string with an account key and a container name", () => {
  const base = { DATA_DIR: dataDir, JWT_SECRET: SECRET, STORAGE_DRIVER: "azure" };
  const connectionString =
    "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.windows.net";
  assert.throws(
    () => loadConfig({ ...base, AZURE_STORAGE_CONTAINER: "outputs" }),
    /AZURE_STORAGE_CONNECTION_STRING is required/,
  );
  assert.throws(
    () => loadConfig({ ...base, AZURE_STORAGE_CONNECTION_STRING: connectionString }),
    /AZURE_STORAGE_CONTAINER is required/,
  );
  assert.throws(
    () =>
      loadConfig({
        ...base,
        AZURE_STORAGE_CONNECTION_STRING: "BlobEndpoint=https://x;SharedAccessSignature=sv=1",
        AZURE_STORAGE_CONTAINER: "outputs",
      }),
    (error: Error) => /must hold an AccountKey/.test(error.message) && !error.message.includes("sv=1"),
  );
  assert.throws(
    () =>
      loadConfig({ ...base, AZURE_STORAGE_CONNECTION_STRING: connectionString, AZURE_STORAGE_CONTAINER: "Bad_Name" }),
    /AZURE_STORAGE_CONTAINER must be a container name/,
  );
  assert.deepEqual(
    loadConfig({ ...base, AZURE_STORAGE_CONNECTION_STRING: connectionString, AZURE_STORAGE_CONTAINER: "outputs" })
      .storage,
    { driver: "azure", connectionString, container: "outputs" },
  );
});

test("rate limit: 20 per second per user with a burst of twice that by default, 0 turns it off, Redis optional", () => {
  const base = { DATA_DIR: dataDir, JWT_SECRET: SECRET, URL_SIGNING_KEY: KEY };
  assert.deepEqual(loadConfig(base).rateLimit, { rate: 20, burst: 40, redisUrl: undefined });
  assert.deepEqual(
    loadConfig({ ...base, RATE_LIMIT_PER_USER: "5", RATE_LIMIT_BURST: "7", REDIS_URL: "redis://:pw@cache:6379/2" })
      .rateLimit,
    {
      rate: 5,
      burst: 7,
      redisUrl: "redis://:pw@cache:6379/2",
    },
  );
  assert.equal(loadConfig({ ...base, RATE_LIMIT_PER_USER: "0" }).rateLimit.rate, 0);
  assert.throws(() => loadConfig({ ...base, RATE_LIMIT_PER_USER: "-1" }), /RATE_LIMIT_PER_USER must be an integer/);
  assert.throws(() => loadConfig({ ...base, RATE_LIMIT_BURST: "0" }), /RATE_LIMIT_BURST must be at least 1/);
  assert.throws(
    () => loadConfig({ ...base, REDIS_URL: "http://:secretpw@cache:6379" }),
    (error: Error) =>
      /REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/.test(error.message) && !error.message.includes("secretpw"),
  );
});

test("CORS_ORIGINS: a list of exact origins or *, nothing by default", () => {
  const base = { DATA_DIR: dataDir, JWT_SECRET: SECRET, URL_SIGNING_KEY: KEY };
  assert.deepEqual(loadConfig(base).corsOrigins, []);
  assert.equal(loadConfig({ ...base, CORS_ORIGINS: "*" }).corsOrigins, "*");
  assert.deepEqual(
    loadConfig({ ...base, CORS_ORIGINS: "https://app.example.com, http://localhost:5173" }).corsOrigins,
    ["https://app.example.com", "http://localhost:5173"],
  );
  for (const bad of [
    "https://app.example.com/",
    "app.example.com",
    "https://a.example.com/path",
    "*, https://a.example.com",
    "ftp://x.example",
  ]) {
    assert.throws(() => loadConfig({ ...base, CORS_ORIGINS: bad }), /CORS_ORIGINS must be \* or origins/, bad);
  }
});

test("the service's link keys exist whatever STORAGE_DRIVER is: generated outside production, required in it", () => {
  const connectionString =
    "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.windows.net";
  const drivers = {
    s3: { STORAGE_DRIVER: "s3", S3_BUCKET: "outputs" },
    azure: {
      STORAGE_DRIVER: "azure",
      AZURE_STORAGE_CONNECTION_STRING: connectionString,
      AZURE_STORAGE_CONTAINER: "outputs",
    },
  };
  for (const [driver, vars] of Object.entries(drivers)) {
    const folder = mkdtempSync(join(tmpdir(), `taskdl-keys-${driver}-`));
    const generated = loadConfig({ DATA_DIR: folder, JWT_SECRET: SECRET, ...vars });
    assert.equal(generated.linkKeys.length, 1, driver);
    assert.equal(generated.linkKeys[0]?.kid, "default");
    assert.ok((generated.linkKeys[0]?.key.length ?? 0) >= 32, `${driver}: a generated key`);
    assert.ok(
      generated.notices.some((notice) => notice.startsWith("URL_SIGNING_KEY was not set")),
      driver,
    );
    assert.deepEqual(loadConfig({ DATA_DIR: folder, JWT_SECRET: SECRET, ...vars }).linkKeys, generated.linkKeys);
    assert.deepEqual(loadConfig({ DATA_DIR: folder, JWT_SECRET: SECRET, URL_SIGNING_KEY: KEY, ...vars }).linkKeys, [
      { kid: "default", key: KEY },
    ]);
    const production = { NODE_ENV: "production", DATA_DIR: folder, JWT_SECRET: SECRET, ...vars };
    assert.throws(() => loadConfig(production), /URL_SIGNING_KEY is required in production/, driver);
    assert.deepEqual(loadConfig({ ...production, URL_SIGNING_KEYS: `k1:${KEY}` }).linkKeys, [{ kid: "k1", key: KEY }]);
  }
});
