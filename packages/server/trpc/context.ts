import type { MikroORM } from "@mikro-orm/postgresql";
import type { AuthOutcome } from "../auth/auth_user.ts";
import { TaskRepository } from "../db/task_repository.ts";
import type { RateLimiter } from "../limits/rate_limiter.ts";
import type { SignedAnswers } from "../tasks/signed_answers.ts";
import type { TaskCache } from "../tasks/task_cache.ts";
import type { UrlSigner } from "../storage/url_signer.ts";

/** Link lifetime limits, in seconds. */
export interface TtlLimits {
  /** Lifetime when a request names none. */
  defaultTtl: number;
  /** Longest lifetime a request may ask for. */
  maxTtl: number;
}

/** What every request shares: the ORM, the signer, the limits. */
export interface AppServices {
  /** The connected ORM. */
  orm: MikroORM;
  /** The configured storage signer. */
  signer: UrlSigner;
  /** Link lifetime limits. */
  ttl: TtlLimits;
  /** The per-user rate limiter; none means no limit. */
  rateLimiter?: RateLimiter | undefined;
  /** Finished tasks kept in memory; none means every request queries. */
  taskCache?: TaskCache | undefined;
  /** Answers already signed this second; none means every answer is signed anew. */
  answers?: SignedAnswers | undefined;
  /** Whether the service can serve requests now; unset means always. */
  status?: ServiceStatus | undefined;
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
  /** The request's task store, on its own `EntityManager` fork. */
  tasks: TaskRepository;
  /** The configured storage signer. */
  signer: UrlSigner;
  /** Link lifetime limits. */
  ttl: TtlLimits;
  /** The per-user rate limiter; none means no limit. */
  rateLimiter?: RateLimiter | undefined;
  /** Answers already signed this second; none means every answer is signed anew. */
  answers?: SignedAnswers | undefined;
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
    tasks: new TaskRepository(() => services.orm.em.fork(), services.taskCache),
    signer: services.signer,
    ttl: services.ttl,
    rateLimiter: services.rateLimiter,
    answers: services.answers,
  };
}
