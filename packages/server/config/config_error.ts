/**
 * A configuration value is missing or invalid. The message names the
 * variable and never repeats a secret's value.
 *
 * @example
 * ```ts
 * throw new ConfigError("PORT must be an integer from 0 to 65535 (got \"abc\")");
 * ```
 */
export class ConfigError extends Error {
  /**
   * @param detail What is wrong, naming the variable.
   */
  constructor(detail: string) {
    super(`Invalid configuration: ${detail}`);
    this.name = "ConfigError";
  }
}
