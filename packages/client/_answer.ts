import { ErrorResponse } from "@taskdl/contract";
import type { z } from "zod";
import { TaskdlError } from "./taskdl_error.ts";

/**
 * Reads a service answer: the envelope's `data` when it matches `success`,
 * else a {@linkcode TaskdlError} carrying the error envelope's code and message.
 */
export function readEnvelope<T extends z.ZodType<{ data: unknown }>>(
  status: number,
  body: unknown,
  success: T,
): z.output<T>["data"] {
  if (status === 200) {
    const parsed = success.safeParse(body);
    if (parsed.success) return parsed.data.data;
    throw new TaskdlError(status, "Cannot read the answer: it does not match the contract", { cause: parsed.error });
  }
  throw envelopeError(status, body);
}

/**
 * Reads an answer whose success is the value itself (the STAC Item), not the envelope: a 200 checked
 * against the schema, anything else the error envelope as a {@linkcode TaskdlError}.
 */
export function readItem<T extends z.ZodType>(status: number, body: unknown, success: T): z.output<T> {
  if (status === 200) {
    const parsed = success.safeParse(body);
    if (parsed.success) return parsed.data;
    throw new TaskdlError(status, "Cannot read the answer: it does not match the contract", { cause: parsed.error });
  }
  throw envelopeError(status, body);
}

// A failure's envelope as the error it says, or what was wrong with it.
function envelopeError(status: number, body: unknown): TaskdlError {
  const envelope = ErrorResponse.safeParse(body);
  if (envelope.success) return new TaskdlError(envelope.data.code, envelope.data.message, { envelope: envelope.data });
  return new TaskdlError(status, `Cannot read the answer: HTTP ${status} without an error envelope`);
}

/** Turns a failed fetch (no answer at all) into a {@linkcode TaskdlError} with code 0. */
export function noAnswer(baseUrl: string, cause: unknown): TaskdlError {
  return new TaskdlError(0, `Cannot reach taskdl at ${baseUrl}`, { cause });
}

/** Resolves a token option (a string, a function, or nothing) to the `Authorization` header. */
export async function authorization(token: TokenSource | undefined): Promise<Record<string, string>> {
  const value = typeof token === "function" ? await token() : token;
  return value === undefined || value === "" ? {} : { Authorization: `Bearer ${value}` };
}

/** A token, or a function that returns a fresh one for each call. */
export type TokenSource = string | (() => string | Promise<string>);
