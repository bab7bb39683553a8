import type { z } from "zod";
import { deepFreeze } from "../tasks/deep_freeze.ts";

/**
 * Lets a tRPC output schema skip values it has already passed: the parse of
 * a frozen value is remembered (weakly, by identity), so an answer reused
 * for many requests — a hot task's signed answer, kept for its second by
 * `tasks/signed_answers.ts` — is walked once, not once per request (a
 * 1,000-output answer is a thousand URL parses). Values that are not frozen
 * are parsed every time: what can change cannot be trusted twice. Results
 * are frozen deeply, so the REST face can serialise each once too.
 *
 * The schema is changed in place (its `parse` and `parseAsync`), keeping its
 * identity and so its OpenAPI metadata; give it a schema of your own, not
 * one shared with clients.
 *
 * @param schema An output schema owned by the router.
 * @returns The same schema.
 *
 * @example
 * ```ts
 * const Envelope = validatedOnce(commonResponse(DownloadUrlResp, { id: "DownloadUrlEnvelope" }));
 * t.procedure.output(Envelope).query(() => frozenAnswer);
 * ```
 */
export function validatedOnce<T extends z.ZodType>(schema: T): T {
  const passed = new WeakMap<object, z.output<T>>();
  const parse = schema.parse.bind(schema) as (
    value: unknown,
    params?: z.core.ParseContext<z.core.$ZodIssue>,
  ) => z.output<T>;
  const remembering = (value: unknown, params?: z.core.ParseContext<z.core.$ZodIssue>): z.output<T> => {
    if (typeof value !== "object" || value === null || !Object.isFrozen(value)) return parse(value, params);
    let result = passed.get(value);
    if (result === undefined) {
      result = deepFreeze(parse(value, params));
      passed.set(value, result);
    }
    return result;
  };
  return Object.assign(schema, {
    parse: remembering,
    parseAsync: async (value: unknown, params?: z.core.ParseContext<z.core.$ZodIssue>) => remembering(value, params),
  });
}
