/**
 * The service cannot start, for a reason its operator can fix: the port is
 * taken, the data folder cannot be written, the embedded PostgreSQL cannot
 * be set up. The message is one paragraph naming the cause and the fix, and
 * `npm start` prints it as it is (no stack trace) and exits with code 1.
 *
 * @example
 * ```ts
 * throw new StartupError("Cannot listen on 127.0.0.1:3000: another program uses port 3000. Set PORT to another port");
 * ```
 */
export class StartupError extends Error {
  /**
   * @param message The paragraph to print: what failed, why, and what to do.
   * @param options The underlying error, for the log.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StartupError";
  }
}
