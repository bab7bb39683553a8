/**
 * The conformance suite every storage adapter runs (`node:test`): the same
 * behaviour a user relies on, whatever the store — exact bytes, ranges, the
 * download's name, tampered, unsigned and expired links refused, `stat`,
 * awkward keys, and `write`.
 *
 * @example
 * ```ts
 * import { describeUrlSignerConformance } from "@taskdl/storage/testing";
 * describeUrlSignerConformance("my-store", async () => ({ signer, putObject, close }));
 * ```
 *
 * @module
 */
export {
  type ConformanceCase,
  type ConformanceOptions,
  type ConformanceStore,
  describeUrlSignerConformance,
} from "./url_signer_conformance.ts";
