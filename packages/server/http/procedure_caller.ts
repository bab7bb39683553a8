import type { appRouter } from "../trpc/app_router.ts";
import type { Context } from "../trpc/context.ts";

/** Calls one procedure with a request's context and input; `signal` only for a request that may wait. */
export type ProcedureCall = (ctx: Context, input: unknown, signal?: AbortSignal) => Promise<unknown>;

type Procedure = ((options: object) => Promise<unknown>) & { _def: { type: string } };

/**
 * One procedure of the router, found once, called through its middleware
 * chain as `callTRPCProcedure` calls it — minus the look-up by path on
 * every call, and with only the options the chain reads (`path`, `type`,
 * `ctx`, `getRawInput`, and `signal` when there is one): tRPC copies the
 * options at each level of the chain with its object-spread helper, at a
 * cost by key (`callTRPCProcedure` passes seven).
 *
 * @param router The app router.
 * @param path The procedure's dotted path (`analysisTask.getDownloadUrl`).
 * @param type Its kind; a procedure of another kind is refused here, as `callTRPCProcedure` refuses it.
 * @returns The call, or `undefined` when there is no such procedure of that kind.
 *
 * @example
 * ```ts
 * const call = procedureCaller(appRouter, "analysisTask.getDownloadUrl", "query");
 * const answer = await call?.(createContext(services, auth), { taskId: "12345" });
 * ```
 */
export function procedureCaller(
  router: typeof appRouter,
  path: string,
  type: "query" | "mutation",
): ProcedureCall | undefined {
  // Typed as the nested router record; at run time it is flat, keyed by the dotted path.
  const procedure = (router._def.procedures as unknown as Record<string, Procedure | undefined>)[path];
  if (procedure === undefined || procedure._def.type !== type) return undefined;
  return (ctx, input, signal) => {
    const getRawInput = () => Promise.resolve(input);
    return procedure(
      signal === undefined ? { path, type, ctx, getRawInput } : { path, type, ctx, getRawInput, signal },
    );
  };
}
