import type { z } from "zod";
import { derivedOf, isShared, share } from "./hot_answers.ts";

/**
 * Lets a tRPC output schema skip values it has already passed: the parse of
 * a shared value (`hot_answers.ts`) is remembered by its identity, so an
 * answer reused for many requests — a hot task's signed answer, kept for its
 * second — is walked once, not once per request (a 1,000-output answer is a
 * thousand URL parses). Values that are not shared are parsed every time:
 * what can change cannot be trusted twice. Results are shared too, so the
 * REST face can serialise each once. A value that fails is refused every
 * time, never remembered.
 *
 * **The patch.** The schema is changed in place — its `parse` and
 * `parseAsync` — rather than wrapped, because trpc-to-openapi generates the
 * OpenAPI document from the very zod schema given to `.output()`: a wrapper
 * would lose the document's response schema. tRPC reads `parse` and
 * `parseAsync` once, when `.output()` is called (`getParseFn` in
 * `@trpc/server`'s `parser.ts`: a zod schema has both, and tRPC calls `parse`
 * first), so patch the schema before handing it to `.output()`.
 * `validated_once_test.ts` runs a tRPC procedure and fails should a tRPC
 * upgrade stop calling what is patched. Give this a schema of your own, not
 * one shared with clients.
 *
 * @param schema An output schema owned by the router.
 * @returns The same schema.
 *
 * @example
 * ```ts
 * const Envelope = validatedOnce(commonResponse(DownloadUrlResp, { id: "DownloadUrlEnvelope" }));
 * t.procedure.output(Envelope).query(() => sharedAnswer);
 * ```
 */
export function validatedOnce<T extends z.ZodType>(schema: T): T {
  type Params = z.core.ParseContext<z.core.$ZodIssue>;
  const parse = schema.parse.bind(schema) as (value: unknown, params?: Params) => z.output<T>;
  const passed = derivedOf((value: object) => share(parse(value)));
  const remembering = (value: unknown, params?: Params): z.output<T> =>
    isShared(value) ? passed(value) : parse(value, params);
  return Object.assign(schema, {
    parse: remembering,
    // A promise the parse settles, rejected when it throws, as zod's own parseAsync is.
    parseAsync: (value: unknown, params?: Params) =>
      new Promise<z.output<T>>((resolve) => resolve(remembering(value, params))),
  });
}
