/**
 * A bound on how many objects one replica hashes at once, shared by every
 * ingest request: each request hashes a few outputs at a time, and many
 * requests at once would otherwise multiply that past what the CPU and the
 * store's bandwidth give. Waiters are served in arrival order.
 *
 * @example
 * ```ts
 * const slots = new HashSlots(4);
 * const sha256 = await slots.run(() => hashObject(signer, key));
 * ```
 */
export class HashSlots {
  #free: number;
  #waiting: (() => void)[] = [];

  /**
   * @param limit How many may run at once (≥ 1).
   * @throws {RangeError} When the limit is not a whole number ≥ 1.
   */
  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`Cannot bound hashing to ${limit}: a whole number ≥ 1`);
    this.#free = limit;
  }

  /**
   * Runs `fn` once a slot is free, and frees it when `fn` settles.
   *
   * @param fn The work.
   * @returns What `fn` returns.
   */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free -= 1;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await fn();
    } finally {
      // Handed on directly: a newcomer cannot take the slot ahead of one waiting.
      const next = this.#waiting.shift();
      if (next === undefined) this.#free += 1;
      else next();
    }
  }
}
