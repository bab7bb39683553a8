import type { UrlSigner } from "@taskdl/storage";
import type { AuthOutcome } from "../auth/auth_user.ts";
import type { SignedAnswers } from "../hot/signed_answers.ts";
import type { RateLimiter } from "../limits/rate_limiter.ts";
import type { ItemLinks } from "../tasks/item_links.ts";
import type { TaskRepository } from "../tasks/task_record.ts";
import type { TaskWaiters } from "../tasks/task_waiters.ts";
import type { HashSlots } from "../tasks/hash_slots.ts";

/** Link lifetime limits, in seconds. */
export interface TtlLimits {
  /** Lifetime when a request names none. */
  defaultTtl: number;
  /** Longest lifetime a request may ask for. */
  maxTtl: number;
}

/** What every request shares: the task store, the signer, the limits. */
export interface AppServices {
  /** Where tasks are kept (the finished-task cache in front, when it is on). */
  tasks: TaskRepository;
  /** The configured storage signer. */
  signer: UrlSigner;
  /** The signer of STAC Items' tokenless links; unset means the STAC path answers 503. */
  itemLinks?: ItemLinks | undefined;
  /** Link lifetime limits. */
  ttl: TtlLimits;
  /** The per-user rate limiter; none means no limit. */
  rateLimiter?: RateLimiter | undefined;
  /** Answers already signed this second; none means every answer is signed anew. */
  answers?: SignedAnswers | undefined;
  /** Where requests with a `wait` wait for their task; none means `wait` is ignored. */
  waiters?: TaskWaiters | undefined;
  /** The replica's bound on objects ingest hashes at once; none means each request's own bound only. */
  hashSlots?: HashSlots | undefined;
  /** Whether the service can serve requests now; unset means always. */
  status?: ServiceStatus | undefined;
  /** Whether the database answers right now (`/readyz`); unset means it is not asked. */
  isDatabaseConnected?: (() => Promise<boolean>) | undefined;
  /** Told of an ingested GeoTIFF whose header could not be read (for the log). */
  onUnreadableRaster?: ((fileName: string, error: Error) => void) | undefined;
}

/** What the service knows about its own state (start-up and shutdown). */
export interface ServiceStatus {
  /** Migrations have run: the database is usable. */
  readonly databaseReady: boolean;
  /** A shutdown has begun: finishing requests in flight, taking no new work. */
  readonly stopping: boolean;
}

/** The tRPC context of one request. */
export interface Context {
  /** Who is asking, or why they could not be authenticated. */
  auth: AuthOutcome;
  /** Whether the database is usable (migrated); requests get 503 until it is. */
  databaseReady: boolean;
  /** Where tasks are kept. */
  tasks: TaskRepository;
  /** The configured storage signer. */
  signer: UrlSigner;
  /** Link lifetime limits. */
  ttl: TtlLimits;
  /** The per-user rate limiter; none means no limit. */
  rateLimiter?: RateLimiter | undefined;
  /** Answers already signed this second; none means every answer is signed anew. */
  answers?: SignedAnswers | undefined;
  /** Where requests with a `wait` wait for their task. */
  waiters?: TaskWaiters | undefined;
  /** Told of an ingested GeoTIFF whose header could not be read (for the log). */
  onUnreadableRaster?: ((fileName: string, error: Error) => void) | undefined;
  /** The signer of STAC Items' tokenless links. */
  itemLinks?: ItemLinks | undefined;
  /** The replica's bound on objects ingest hashes at once. */
  hashSlots?: HashSlots | undefined;
}

/**
 * Builds a request's context from the shared services and its auth
 * outcome: the inner context that tests call directly with `createCaller`.
 *
 * @param services The shared services.
 * @param auth The request's authentication outcome.
 * @returns The context.
 *
 * @example
 * ```ts
 * const caller = appRouter.createCaller(createContext(services, { user: { id: "demo", scopes: new Set() } }));
 * await caller.analysisTask.getDownloadUrl({ taskId: "12345" });
 * ```
 */
export function createContext(services: AppServices, auth: AuthOutcome): Context {
  return {
    auth,
    databaseReady: services.status?.databaseReady ?? true,
    tasks: services.tasks,
    signer: services.signer,
    ttl: services.ttl,
    rateLimiter: services.rateLimiter,
    answers: services.answers,
    waiters: services.waiters,
    onUnreadableRaster: services.onUnreadableRaster,
    itemLinks: services.itemLinks,
    hashSlots: services.hashSlots,
  };
}
