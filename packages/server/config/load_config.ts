import {
  booleanVar,
  firstIssue,
  httpUrlVar,
  integerVar,
  S3_MAX_EXPIRES_IN,
  type SigningKey,
  type StorageSettings,
  StorageSettingsError,
  storageSettings,
  textVar,
} from "@taskdl/storage";
import { z } from "zod";
import type { RateLimitConfig } from "../limits/create_rate_limiter.ts";
import { tracingEnabled } from "../tracing/tracing_enabled.ts";
import { ConfigError } from "./config_error.ts";
import { linkKeys } from "./link_keys.ts";
import { absolute } from "./_absolute.ts";
import { secret } from "./_secret.ts";

/** JWT algorithms the service can pin. `none` is never among them. */
export const JWT_ALGORITHMS = [
  "HS256",
  "HS384",
  "HS512",
  "RS256",
  "RS384",
  "RS512",
  "ES256",
  "ES384",
  "ES512",
  "PS256",
  "PS384",
  "PS512",
] as const;

/** A JWT algorithm the service can pin. */
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** Log levels, from the most to the least verbose. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

/** Token verification settings. */
export interface JwtConfig {
  /** HS* shared secret; unset when keys come from a JWKS endpoint. */
  secret: string | undefined;
  /** The pinned algorithm list. */
  algorithms: JwtAlgorithm[];
  /** Expected `iss`, when configured. */
  issuer: string | undefined;
  /** Accepted `aud` values, when configured. */
  audience: string[] | undefined;
  /** JWKS endpoint for RS*, ES* and PS* keys. */
  jwksUrl: string | undefined;
  /** Allowed clock skew for `exp` and `nbf`, in seconds. */
  clockToleranceSeconds: number;
}

/** The service's whole configuration, read and validated once at start-up. */
export interface Config {
  /** `NODE_ENV=production`: no generated secrets, no demo data by default. */
  production: boolean;
  /** TCP port to listen on (0 picks a free one). */
  port: number;
  /** Address to listen on. */
  host: string;
  /** Origin (and optional path prefix) of local download links; derived from the listening address when unset. */
  publicBaseUrl: string | undefined;
  /** PostgreSQL connection URL; unset means the embedded PostgreSQL. */
  databaseUrl: string | undefined;
  /**
   * The connection change notices are listened on (`LISTEN` needs a session of its own); unset means
   * `databaseUrl`. Set it to PostgreSQL itself (or a session-mode pool) when `DATABASE_URL` is a transaction pooler.
   */
  databaseListenUrl: string | undefined;
  /** Largest number of pooled database connections. */
  databasePoolMax: number;
  /** How long a request waits for a pooled connection (or a new one) before a 503, in ms. */
  databaseConnectTimeoutMs: number;
  /** How long one SQL statement may run before PostgreSQL cancels it, in ms. */
  databaseStatementTimeoutMs: number;
  /** How long a shutdown waits for requests in flight, in ms. */
  shutdownTimeoutMs: number;
  /**
   * The finished-task cache: capacity in tasks plus outputs (0 turns it off), how long an entry is served
   * while change notices are not arriving, and whether to listen for them (LISTEN/NOTIFY).
   */
  taskCache: { capacity: number; ttlMs: number; listen: boolean };
  /** Requests that wait for their task (`wait`): bounds, and the re-check interval without change notices. */
  waits: { maxPerUser: number; maxPerReplica: number; recheckMs: number };
  /** Data folder (absolute): embedded PostgreSQL, generated secrets, local files. */
  dataDir: string;
  /** Token verification. */
  jwt: JwtConfig;
  /** The storage adapter's settings (`STORAGE_DRIVER` and its variables). */
  storage: StorageSettings;
  /**
   * The keys of the links the service signs itself, on every driver: the `local` adapter's downloads and the
   * tokenless links of STAC Items.
   */
  linkKeys: SigningKey[];
  /** Default link lifetime in seconds. */
  downloadUrlTtl: number;
  /** Longest link lifetime a client may ask for, in seconds. */
  downloadUrlMaxTtl: number;
  /** Whether to record the demo task at start-up. */
  seedDemo: boolean;
  /** Minimum level of log lines. */
  logLevel: (typeof LOG_LEVELS)[number];
  /** Per-user rate limit; rate 0 turns it off. */
  rateLimit: RateLimitConfig;
  /** Browser origins allowed to call the API (CORS): a list, `"*"`, or none. */
  corsOrigins: readonly string[] | "*";
  /** The Prometheus listener (`METRICS_HOST`, `METRICS_PORT`); unset when metrics are off. */
  metrics: { host: string; port: number } | undefined;
  /** Whether traces are exported (`OTEL_EXPORTER_OTLP_ENDPOINT`; the SDK itself is the `--import` preload's). */
  tracing: boolean;
  /** Things worth a log line at start-up (generated secrets, weak settings). */
  notices: string[];
}

// scheme://host[:port] and nothing else, as browsers send it in Origin.
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.origin === value;
  } catch {
    return false;
  }
}

/** Every variable the service reads, validated. */
export const EnvSchema = z.object({
  NODE_ENV: z.string().optional(),
  PORT: integerVar("PORT", 0, 65535).default(3000),
  HOST: textVar("HOST").default("127.0.0.1"),
  PUBLIC_BASE_URL: httpUrlVar("PUBLIC_BASE_URL").optional(),
  DATABASE_URL: z
    .string()
    .trim()
    .regex(/^postgres(ql)?:\/\//, "DATABASE_URL must be a postgres:// or postgresql:// URL")
    .optional(),
  DATABASE_LISTEN_URL: z
    .string()
    .trim()
    .regex(/^postgres(ql)?:\/\//, "DATABASE_LISTEN_URL must be a postgres:// or postgresql:// URL")
    .optional(),
  EMBEDDED_POSTGRES: booleanVar("EMBEDDED_POSTGRES").default(true),
  DATABASE_POOL_MAX: integerVar("DATABASE_POOL_MAX", 1, 1000).default(10),
  DATABASE_CONNECT_TIMEOUT_MS: integerVar("DATABASE_CONNECT_TIMEOUT_MS", 100, 600_000).default(3000),
  DATABASE_STATEMENT_TIMEOUT_MS: integerVar("DATABASE_STATEMENT_TIMEOUT_MS", 100, 3_600_000).default(5000),
  SHUTDOWN_TIMEOUT_MS: integerVar("SHUTDOWN_TIMEOUT_MS", 0, 600_000).default(10_000),
  TASK_CACHE_CAPACITY: integerVar("TASK_CACHE_CAPACITY", 0, 100_000_000).default(200_000),
  TASK_CACHE_TTL_MS: integerVar("TASK_CACHE_TTL_MS", 0, 86_400_000).default(10_000),
  TASK_CACHE_LISTEN: booleanVar("TASK_CACHE_LISTEN").default(true),
  WAIT_MAX_PER_USER: integerVar("WAIT_MAX_PER_USER", 1, 1_000_000).default(10),
  WAIT_MAX_PER_REPLICA: integerVar("WAIT_MAX_PER_REPLICA", 1, 1_000_000).default(1000),
  WAIT_RECHECK_MS: integerVar("WAIT_RECHECK_MS", 100, 60_000).default(2000),
  DATA_DIR: textVar("DATA_DIR").default(".data"),
  JWT_SECRET: textVar("JWT_SECRET").optional(),
  JWT_ALGORITHMS: z
    .string()
    .transform((value) =>
      value
        .split(",")
        .map((item) => item.trim())
        .filter((item) => item !== ""),
    )
    .pipe(
      z
        .array(z.enum(JWT_ALGORITHMS, { error: `JWT_ALGORITHMS may only list ${JWT_ALGORITHMS.join(", ")}` }))
        .min(1, "JWT_ALGORITHMS must list at least one algorithm"),
    )
    .optional(),
  JWT_ISSUER: textVar("JWT_ISSUER").optional(),
  JWT_AUDIENCE: z
    .string()
    .transform((value) =>
      value
        .split(",")
        .map((item) => item.trim())
        .filter((item) => item !== ""),
    )
    .pipe(z.array(z.string()).min(1, "JWT_AUDIENCE must list at least one audience"))
    .optional(),
  JWT_JWKS_URL: httpUrlVar("JWT_JWKS_URL").optional(),
  JWT_CLOCK_TOLERANCE: integerVar("JWT_CLOCK_TOLERANCE", 0, 300).default(10),
  URL_SIGNING_KEY: textVar("URL_SIGNING_KEY").optional(),
  URL_SIGNING_KEYS: textVar("URL_SIGNING_KEYS").optional(),
  DOWNLOAD_URL_TTL: integerVar("DOWNLOAD_URL_TTL", 1, 31_536_000).default(3600),
  DOWNLOAD_URL_MAX_TTL: integerVar("DOWNLOAD_URL_MAX_TTL", 60, 31_536_000).default(604_800),
  SEED_DEMO: booleanVar("SEED_DEMO").optional(),
  RATE_LIMIT_PER_USER: integerVar("RATE_LIMIT_PER_USER", 0, 1_000_000).default(20),
  RATE_LIMIT_BURST: integerVar("RATE_LIMIT_BURST", 1, 10_000_000).optional(),
  REDIS_URL: z
    .string()
    .trim()
    .regex(/^rediss?:\/\/\S+$/, "REDIS_URL must be a redis:// or rediss:// URL")
    .optional(),
  CORS_ORIGINS: z
    .string()
    .trim()
    .refine(
      (value) => value === "*" || value.split(",").every((origin) => isOrigin(origin.trim())),
      "CORS_ORIGINS must be * or origins like https://app.example.com separated by commas",
    )
    .optional(),
  METRICS_HOST: textVar("METRICS_HOST").default("127.0.0.1"),
  METRICS_PORT: integerVar("METRICS_PORT", 0, 65535).optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}` }).default("info"),
});

/** Options of {@linkcode loadConfig}. */
export interface LoadConfigOptions {
  /** Folder that relative paths are resolved against. Defaults to the working directory. */
  cwd?: string;
}

/**
 * Reads and validates the configuration from environment variables, once, at
 * start-up. Outside production, a missing `JWT_SECRET` or `URL_SIGNING_KEY` is
 * generated once and kept in `DATA_DIR/secrets/` (listed in `notices`); in
 * production a missing or short secret is an error.
 *
 * @param env The environment (normally `process.env`).
 * @param options Where relative paths start.
 * @returns The typed configuration.
 * @throws {ConfigError} When a variable is invalid; the message names it.
 *
 * @example
 * ```ts
 * const config = loadConfig({ PORT: "8080", JWT_SECRET: "…" });
 * config.port; // 8080
 * ```
 */
export function loadConfig(env: Record<string, string | undefined>, options: LoadConfigOptions = {}): Config {
  const { cwd = process.cwd() } = options;
  const given = withoutBlanks(env);
  const parsed = EnvSchema.safeParse(given);
  if (!parsed.success) throw new ConfigError(firstIssue(parsed.error, given));
  const vars = parsed.data;
  const production = vars.NODE_ENV === "production";
  const dataDir = absolute(vars.DATA_DIR, cwd);
  const notices: string[] = [];

  if (vars.DOWNLOAD_URL_TTL > vars.DOWNLOAD_URL_MAX_TTL) {
    throw new ConfigError(
      `DOWNLOAD_URL_TTL (${vars.DOWNLOAD_URL_TTL}) must not exceed DOWNLOAD_URL_MAX_TTL (${vars.DOWNLOAD_URL_MAX_TTL})`,
    );
  }

  if (vars.DATABASE_URL === undefined && !vars.EMBEDDED_POSTGRES) {
    // A container image must never start a PostgreSQL of its own in an ephemeral file system.
    throw new ConfigError("DATABASE_URL must be set when EMBEDDED_POSTGRES is false");
  }

  const jwksUrl = vars.JWT_JWKS_URL;
  const algorithms = vars.JWT_ALGORITHMS ?? (jwksUrl === undefined ? ["HS256"] : ["RS256", "ES256"]);
  const symmetric = algorithms.filter((algorithm) => algorithm.startsWith("HS"));
  if (jwksUrl !== undefined && symmetric.length > 0) {
    // A public key must never be usable as an HMAC secret (RS/HS confusion).
    throw new ConfigError(`JWT_ALGORITHMS must not list ${symmetric.join(", ")} when JWT_JWKS_URL is set`);
  }
  if (jwksUrl === undefined && symmetric.length !== algorithms.length) {
    throw new ConfigError("JWT_ALGORITHMS lists asymmetric algorithms, which need JWT_JWKS_URL");
  }
  if (jwksUrl !== undefined && vars.JWT_SECRET !== undefined) {
    throw new ConfigError("set either JWT_SECRET or JWT_JWKS_URL, not both");
  }
  const jwtSecret =
    jwksUrl === undefined ? secret("JWT_SECRET", vars.JWT_SECRET, { production, dataDir, notices }) : undefined;

  let storage: StorageSettings;
  try {
    storage = storageSettings(given, { dataDir, cwd });
  } catch (error) {
    if (error instanceof StorageSettingsError) throw new ConfigError(error.message);
    throw error;
  }
  // Every driver: the service signs links of its own whatever the store (the local adapter's downloads, and the
  // tokenless STAC Item links); the stores sign their downloads themselves.
  const keys = linkKeys(vars, { production, dataDir, notices });
  if (storage.driver === "s3") {
    for (const name of ["DOWNLOAD_URL_TTL", "DOWNLOAD_URL_MAX_TTL"] as const) {
      if (vars[name] > S3_MAX_EXPIRES_IN) {
        throw new ConfigError(
          `${name} must be at most ${S3_MAX_EXPIRES_IN} with STORAGE_DRIVER=s3 (the longest an S3 presigned URL lasts)`,
        );
      }
    }
  }

  return {
    production,
    port: vars.PORT,
    host: vars.HOST,
    publicBaseUrl: vars.PUBLIC_BASE_URL?.replace(/\/+$/, ""),
    databaseUrl: vars.DATABASE_URL,
    databaseListenUrl: vars.DATABASE_LISTEN_URL,
    databasePoolMax: vars.DATABASE_POOL_MAX,
    databaseConnectTimeoutMs: vars.DATABASE_CONNECT_TIMEOUT_MS,
    databaseStatementTimeoutMs: vars.DATABASE_STATEMENT_TIMEOUT_MS,
    shutdownTimeoutMs: vars.SHUTDOWN_TIMEOUT_MS,
    taskCache: { capacity: vars.TASK_CACHE_CAPACITY, ttlMs: vars.TASK_CACHE_TTL_MS, listen: vars.TASK_CACHE_LISTEN },
    waits: {
      maxPerUser: vars.WAIT_MAX_PER_USER,
      maxPerReplica: vars.WAIT_MAX_PER_REPLICA,
      recheckMs: vars.WAIT_RECHECK_MS,
    },
    dataDir,
    jwt: {
      secret: jwtSecret,
      algorithms,
      issuer: vars.JWT_ISSUER,
      audience: vars.JWT_AUDIENCE,
      jwksUrl,
      clockToleranceSeconds: vars.JWT_CLOCK_TOLERANCE,
    },
    storage,
    linkKeys: keys,
    downloadUrlTtl: vars.DOWNLOAD_URL_TTL,
    downloadUrlMaxTtl: vars.DOWNLOAD_URL_MAX_TTL,
    seedDemo: vars.SEED_DEMO ?? !production,
    logLevel: vars.LOG_LEVEL,
    rateLimit: {
      rate: vars.RATE_LIMIT_PER_USER,
      burst: vars.RATE_LIMIT_BURST ?? Math.max(1, 2 * vars.RATE_LIMIT_PER_USER),
      redisUrl: vars.REDIS_URL,
    },
    corsOrigins:
      vars.CORS_ORIGINS === undefined
        ? []
        : vars.CORS_ORIGINS === "*"
          ? "*"
          : vars.CORS_ORIGINS.split(",").map((origin) => origin.trim()),
    tracing: tracingEnabled(env),
    metrics: vars.METRICS_PORT === undefined ? undefined : { host: vars.METRICS_HOST, port: vars.METRICS_PORT },
    notices,
  };
}

// An empty variable (`PORT=`) means "unset", as in most twelve-factor tooling.
function withoutBlanks(env: Record<string, string | undefined>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== "") result[key] = value;
  }
  return result;
}
