import { analysisTaskRouter } from "./analysis_task_router.ts";
import { router } from "./trpc.ts";

/**
 * The service's whole tRPC router: one sub-router per domain.
 *
 * @example
 * ```ts
 * import type { AppRouter } from "@taskdl/server";
 * const client = createTRPCClient<AppRouter>({ links: [httpLink({ url: "http://127.0.0.1:3000/trpc" })] });
 * ```
 */
export const appRouter = router({ analysisTask: analysisTaskRouter });

/** The router's type: all a client needs to be typed end to end. */
export type AppRouter = typeof appRouter;
