import assert from "node:assert/strict";
import { test } from "node:test";
import { isUnavailable } from "./is_unavailable.ts";
import { UnavailableError } from "./unavailable_error.ts";

// Each of these was seen from pg while PostgreSQL was killed, restarted, its
// backends terminated, or a statement hung (npm run bench:faults): a 503.
const OUTAGES: [string, Error][] = [
  ["refused", Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" })],
  ["reset", Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" })],
  ["shutting down", Object.assign(new Error("the database system is shutting down"), { code: "57P03" })],
  ["starting up", Object.assign(new Error("the database system is starting up"), { code: "57P03" })],
  [
    "terminated by admin",
    Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }),
  ],
  ["connection ended", new Error("Connection terminated unexpectedly")],
  ["pool queue timeout", new Error("timeout exceeded when trying to connect")],
  ["statement timeout", Object.assign(new Error("canceling statement due to statement timeout"), { code: "57014" })],
  ["dead client reused", new Error("Client has encountered a connection error and is not queryable")],
  ["query read timeout", new Error("Query read timeout")],
  ["too many connections", Object.assign(new Error("sorry, too many clients already"), { code: "53300" })],
  ["dependency", new UnavailableError("Cannot reach the JWKS endpoint")],
];

test("outages, however deep in the cause chain, are unavailable", () => {
  for (const [name, error] of OUTAGES) {
    assert.equal(isUnavailable(error), true, name);
    assert.equal(
      isUnavailable(new Error("wrapped", { cause: new Error("twice", { cause: error }) })),
      true,
      `${name}, wrapped`,
    );
  }
});

test("bugs are not", () => {
  for (const error of [
    Object.assign(new Error('relation "task_output" does not exist'), { code: "42P01" }),
    Object.assign(new Error("duplicate key value"), { code: "23505" }),
    new TypeError("Cannot read properties of undefined"),
  ]) {
    assert.equal(isUnavailable(error), false, error.message);
  }
  assert.equal(isUnavailable("ECONNREFUSED"), false, "not an Error");
});
