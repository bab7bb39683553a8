import { LRUCache } from "lru-cache";
import type { AuthUser } from "./auth_user.ts";

/** Options of {@linkcode VerifiedTokens}. */
export interface VerifiedTokensOptions {
  /** How many tokens are remembered at most; the least recently used go first. */
  capacity: number;
  /** How long a verification is trusted without repeating it, in ms. */
  maxAgeMs: number;
  /** Seconds a token is still accepted after its `exp` (the verifier's clock tolerance). */
  clockToleranceSeconds: number;
  /** The clock, in ms (tests move it). */
  now?: () => number;
}

interface Entry {
  user: AuthUser;
  /** When the entry stops answering: the token's expiry or `maxAgeMs` after the check, whichever is first. */
  until: number;
}

/**
 * Tokens that passed full verification, so that the same token sent again
 * within `maxAgeMs` is not verified again: a client sends one token for many
 * requests, and the signature check with its JSON parsing cost about a tenth
 * of a cached answer. Only successful verifications are kept (a forged or
 * garbage token is verified, and refused, every time), keyed by the whole
 * token string, so a hit is the exact token that was checked. An entry never
 * outlives the token's own `exp` (plus the verifier's clock tolerance); a
 * token is `nbf`-valid from its check on. `maxAgeMs` bounds how long a key
 * removed from a JWKS keeps its tokens accepted here — jwks-rsa already
 * trusts a fetched key for ten minutes.
 *
 * @example
 * ```ts
 * const verified = new VerifiedTokens({ capacity: 10_000, maxAgeMs: 60_000, clockToleranceSeconds: 30 });
 * const user = verified.get(token) ?? verifyAndRemember(token);
 * ```
 */
export class VerifiedTokens {
  #entries: LRUCache<string, Entry> | undefined;
  #options: VerifiedTokensOptions;
  #now: () => number;

  /**
   * @param options Capacity, age bound, clock tolerance and clock.
   */
  constructor(options: VerifiedTokensOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#entries = options.capacity > 0 ? new LRUCache({ max: options.capacity }) : undefined;
  }

  /** How many tokens are remembered now. */
  get size(): number {
    return this.#entries?.size ?? 0;
  }

  /**
   * The user of a token verified recently and not expired since.
   *
   * @param token The raw token (no `Bearer `).
   * @returns The user, or `undefined` when the token must be verified.
   */
  get(token: string): AuthUser | undefined {
    const entry = this.#entries?.get(token);
    if (entry === undefined) return undefined;
    if (entry.until <= this.#now()) {
      this.#entries?.delete(token);
      return undefined;
    }
    return entry.user;
  }

  /**
   * Remembers a token that has just passed verification.
   *
   * @param token The raw token.
   * @param user Its user.
   * @param exp Its `exp` claim, in seconds since the epoch.
   */
  remember(token: string, user: AuthUser, exp: number): void {
    const until = Math.min((exp + this.#options.clockToleranceSeconds) * 1000, this.#now() + this.#options.maxAgeMs);
    this.#entries?.set(token, { user, until });
  }
}
