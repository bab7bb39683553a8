/**
 * Something the service depends on (a store, the JWKS endpoint) could not
 * be reached. Clients get the 503 envelope with `Retry-After`; the cause
 * goes to the log only.
 *
 * @example
 * ```ts
 * throw new UnavailableError("Cannot reach the JWKS endpoint", { cause: error });
 * ```
 */
export class UnavailableError extends Error {
  /**
   * @param message What could not be reached (for the log).
   * @param options The underlying error.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UnavailableError";
  }
}
