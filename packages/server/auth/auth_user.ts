/**
 * The user a verified token speaks for.
 *
 * @example
 * ```ts
 * const user: AuthUser = { id: "alice", scopes: new Set(["tasks:write"]) };
 * ```
 */
export interface AuthUser {
  /** The token's `sub`: owners of tasks are named by it. */
  id: string;
  /** The token's `scope` claim, split on spaces. */
  scopes: ReadonlySet<string>;
}

/** The outcome of authentication, on every request that needs it. */
export type AuthOutcome = { user: AuthUser; error?: undefined } | { user?: undefined; error: Error };
