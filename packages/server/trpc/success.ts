/** The envelope of a successful answer (a type, not an interface: the envelope schema is a loose object). */
export type Success<T> = {
  code: 200;
  message: "success";
  data: T;
};

const envelopes = new WeakMap<object, Success<object>>();

/**
 * Wraps an answer in the success envelope. A frozen answer (one shared by
 * requests) always gets the same frozen envelope, so the output check and
 * the REST face's serialisation, which remember frozen values, work once per
 * answer rather than once per request.
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
  if (!Object.isFrozen(data)) return { code: 200, message: "success", data };
  let envelope = envelopes.get(data) as Success<T> | undefined;
  if (envelope === undefined) {
    envelope = Object.freeze({ code: 200 as const, message: "success" as const, data });
    envelopes.set(data, envelope);
  }
  return envelope;
}
