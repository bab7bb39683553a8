import { derivedOf, isShared } from "./hot_answers.ts";

/** The envelope of a successful answer (a type, not an interface: the envelope schema is a loose object). */
export type Success<T> = {
  code: 200;
  message: "success";
  data: T;
};

const sharedEnvelope = derivedOf(<T extends object>(data: T): Success<T> =>
  Object.freeze({ code: 200 as const, message: "success" as const, data }),
);

/**
 * Wraps an answer in the success envelope. A shared answer
 * (`hot_answers.ts`) always gets the same frozen envelope, so the output
 * check and the REST face's serialisation, which remember shared values,
 * work once per answer rather than once per request.
 *
 * @param data The answer.
 * @returns `{ code: 200, message: "success", data }`.
 *
 * @example
 * ```ts
 * success({ taskId: "12345", downloadUrls: [], totalSize: 0 }); // { code: 200, message: "success", data: … }
 * ```
 */
export function success<T extends object>(data: T): Success<T> {
  return isShared(data) ? (sharedEnvelope(data) as Success<T>) : { code: 200, message: "success", data };
}
