import { z } from "zod";

/**
 * zod schemas for one environment variable each, whose messages name the
 * variable (`S3_ENDPOINT must be an http(s) URL without query or fragment`).
 * The storage adapters read their settings with them, and so does the
 * service for its own variables: one wording for every setting.
 *
 * @module
 */

/** A text that must not be blank. */
export function textVar(name: string): z.ZodString {
  return z.string().trim().min(1, `${name} must not be empty`);
}

/** A whole number from `min` to `max`. */
export function integerVar(
  name: string,
  min: number,
  max: number,
): z.ZodPipe<z.ZodPipe<z.ZodString, z.ZodTransform<number, string>>, z.ZodNumber> {
  return z
    .string()
    .trim()
    .regex(/^\d+$/, `${name} must be an integer from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`));
}

/** An `http:` or `https:` URL without query or fragment. */
export function httpUrlVar(name: string): z.ZodString {
  return z
    .string()
    .trim()
    .refine((value) => {
      try {
        const url = new URL(value);
        return (url.protocol === "http:" || url.protocol === "https:") && url.search === "" && url.hash === "";
      } catch {
        return false;
      }
    }, `${name} must be an http(s) URL without query or fragment`);
}

const BOOLEAN_WORDS: Readonly<Record<string, boolean>> = {
  "1": true,
  true: true,
  yes: true,
  on: true,
  "0": false,
  false: false,
  no: false,
  off: false,
};

/** `true`/`false`, `yes`/`no`, `on`/`off`, `1`/`0`, in any case. */
export function booleanVar(name: string): z.ZodPipe<z.ZodString, z.ZodTransform<boolean, string>> {
  return z
    .string()
    .trim()
    .toLowerCase()
    .refine((value) => value in BOOLEAN_WORDS, `${name} must be true or false`)
    .transform((value) => BOOLEAN_WORDS[value] === true);
}

/**
 * The message of the first issue of a failed settings parse, naming the
 * variable, and — unless it may hold a secret — the value it was given.
 *
 * @param error The parse's error.
 * @param env The variables that were parsed.
 * @returns `S3_ENDPOINT must be an http(s) URL without query or fragment (got "minio:9000")`.
 */
export function firstIssue(error: z.ZodError, env: Record<string, string | undefined>): string {
  const issue = error.issues[0];
  const name = String(issue?.path[0] ?? "environment");
  const raw = env[name];
  const shown =
    raw === undefined || /SECRET|KEY|TOKEN|DATABASE_(LISTEN_)?URL|REDIS_URL|CONNECTION_STRING/.test(name)
      ? ""
      : ` (got ${JSON.stringify(raw)})`;
  return `${issue?.message ?? `${name} is invalid`}${shown}`;
}
