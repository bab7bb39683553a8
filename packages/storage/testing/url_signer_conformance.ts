import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { hashObject } from "../port/hash_object.ts";
import { ObjectNotFoundError, type UrlSigner } from "../port/url_signer.ts";

/** A store ready for the suite: an adapter and a way to put objects in its store. */
export interface ConformanceStore {
  /** The adapter under test. */
  signer: UrlSigner;
  /** Writes an object into the store behind the adapter. */
  putObject(key: string, content: Uint8Array): Promise<void>;
  /** Stops whatever the store needed. */
  close(): Promise<void>;
}

/** The suite's cases, by name, for the skip list. */
export type ConformanceCase =
  | "downloads the exact bytes"
  | "serves byte ranges"
  | "names the download in Content-Disposition"
  | "refuses a tampered signature"
  | "refuses a link without its signature"
  | "refuses an expired link"
  | "stats size and refuses missing objects"
  | "handles keys with spaces, Unicode and slashes"
  | "writes objects that its links then serve"
  | "reads objects whole, and refuses missing ones"
  | "reads byte ranges through the port"
  | "hashes objects through the port, and a store-held SHA-256 is the object's"
  | "gives a version that changes when the object does";

/** Options of {@linkcode describeUrlSignerConformance}. */
export interface ConformanceOptions {
  /** Cases an adapter cannot meet, each with the reason. */
  skip?: Partial<Record<ConformanceCase, string>>;
}

// The signature's query parameter: `sig` (local, Azure SAS) or `X-Amz-Signature` (S3).
const SIGNATURE_PARAM = /^(sig|x-amz-signature)$/i;

const BYTES = new Uint8Array(Array.from({ length: 4096 }, (_, i) => (i * 7) % 256));

/**
 * The conformance suite every storage adapter runs: the same behaviour a
 * user relies on, whatever the store. An adapter that cannot meet a case
 * names it in `skip` with the reason.
 *
 * @param name The adapter's name, for the report.
 * @param setup Starts the store and the adapter.
 * @param options Cases to skip, with reasons.
 *
 * @example
 * ```ts
 * describeUrlSignerConformance("local", async () => ({ signer, putObject, close }));
 * ```
 */
export function describeUrlSignerConformance(
  name: string,
  setup: () => Promise<ConformanceStore>,
  options: ConformanceOptions = {},
): void {
  const { skip = {} } = options;
  describe(`${name} URL signer conformance`, () => {
    let store: ConformanceStore;
    before(async () => {
      store = await setup();
      await store.putObject("conformance/data.bin", BYTES);
      await store.putObject("conformance/with space/ünï €/deep/file name.tif", BYTES.subarray(0, 10));
    });
    after(() => store.close());

    const sign = (key: string, fileName: string, seconds = 300) =>
      store.signer.sign(key, {
        fileName,
        contentType: "application/octet-stream",
        expiresAt: new Date((Math.ceil(Date.now() / 1000) + seconds) * 1000),
      });

    const it = (title: ConformanceCase, fn: () => Promise<void>) =>
      test(title, skip[title] === undefined ? {} : { skip: skip[title] }, fn);

    it("downloads the exact bytes", async () => {
      const res = await fetch(await sign("conformance/data.bin", "data.bin"));
      assert.equal(res.status, 200);
      assert.deepEqual(new Uint8Array(await res.arrayBuffer()), BYTES);
    });

    it("serves byte ranges", async () => {
      const res = await fetch(await sign("conformance/data.bin", "data.bin"), { headers: { Range: "bytes=100-199" } });
      assert.equal(res.status, 206);
      assert.deepEqual(new Uint8Array(await res.arrayBuffer()), BYTES.subarray(100, 200));
    });

    it("names the download in Content-Disposition", async () => {
      const fileName = 'Résumé "final" ✓.bin';
      const res = await fetch(await sign("conformance/data.bin", fileName));
      assert.equal(res.status, 200);
      const header = res.headers.get("content-disposition") ?? "";
      assert.match(header, /^attachment;/);
      const encoded = /filename\*=UTF-8''([^;]+)/.exec(header)?.[1];
      assert.equal(decodeURIComponent(encoded ?? ""), fileName);
      await res.arrayBuffer();
    });

    it("refuses a tampered signature", async () => {
      const url = new URL(await sign("conformance/data.bin", "data.bin"));
      let tampered = false;
      for (const [key, value] of url.searchParams) {
        if (SIGNATURE_PARAM.test(key)) {
          const flipped = value[0] === "A" ? `B${value.slice(1)}` : `A${value.slice(1)}`;
          url.searchParams.set(key, flipped);
          tampered = true;
          break;
        }
      }
      assert.ok(tampered, "the URL carries a signature parameter");
      const res = await fetch(url);
      assert.ok(res.status === 403 || res.status === 401, `status ${res.status}`);
      await res.arrayBuffer();
    });

    it("refuses a link without its signature", async () => {
      const url = new URL(await sign("conformance/data.bin", "data.bin"));
      const names = [...url.searchParams.keys()].filter((key) => SIGNATURE_PARAM.test(key));
      assert.ok(names.length > 0, "the URL carries a signature parameter");
      for (const key of names) url.searchParams.delete(key);
      const res = await fetch(url);
      assert.ok(res.status === 403 || res.status === 401, `status ${res.status}`);
      await res.arrayBuffer();
    });

    it("refuses an expired link", async () => {
      const url = await sign("conformance/data.bin", "data.bin", 1);
      assert.equal((await fetch(url)).status, 200);
      await sleep(2100);
      const res = await fetch(url);
      assert.ok(res.status >= 400 && res.status < 500, `status ${res.status}`);
      await res.arrayBuffer();
    });

    it("stats size and refuses missing objects", async () => {
      assert.equal((await store.signer.stat("conformance/data.bin")).size, BYTES.length);
      await assert.rejects(store.signer.stat("conformance/missing.bin"), ObjectNotFoundError);
    });

    it("handles keys with spaces, Unicode and slashes", async () => {
      const key = "conformance/with space/ünï €/deep/file name.tif";
      assert.equal((await store.signer.stat(key)).size, 10);
      const res = await fetch(await sign(key, "file name.tif"));
      assert.equal(res.status, 200);
      assert.deepEqual(new Uint8Array(await res.arrayBuffer()), BYTES.subarray(0, 10));
    });

    it("writes objects that its links then serve", async () => {
      const key = "conformance/written/ünï €.bin";
      await store.signer.write(key, BYTES.subarray(0, 100), { contentType: "application/octet-stream" });
      await store.signer.write(key, BYTES.subarray(100, 300));
      assert.equal((await store.signer.stat(key)).size, 200, "a second write replaces the object whole");
      const res = await fetch(await sign(key, "written.bin"));
      assert.equal(res.status, 200);
      assert.deepEqual(new Uint8Array(await res.arrayBuffer()), BYTES.subarray(100, 300));
    });

    it("reads objects whole, and refuses missing ones", async () => {
      const chunks: Uint8Array[] = [];
      for await (const chunk of await store.signer.read("conformance/data.bin")) chunks.push(chunk as Uint8Array);
      assert.deepEqual(new Uint8Array(Buffer.concat(chunks)), BYTES);
      const spaced = await store.signer.read("conformance/with space/ünï €/deep/file name.tif");
      assert.equal(
        (await spaced.toArray()).reduce((sum, chunk: Uint8Array) => sum + chunk.byteLength, 0),
        10,
      );
      await assert.rejects(store.signer.read("conformance/missing.bin"), ObjectNotFoundError);
    });

    it("reads byte ranges through the port", async () => {
      const { signer } = store;
      assert.deepEqual(await signer.readRange("conformance/data.bin", 100, 200), BYTES.subarray(100, 300));
      assert.deepEqual(await signer.readRange("conformance/data.bin", 0, 1), BYTES.subarray(0, 1));
      assert.deepEqual(
        await signer.readRange("conformance/data.bin", BYTES.length - 10, 100),
        BYTES.subarray(BYTES.length - 10),
        "a range past the end gives the bytes up to it",
      );
      assert.equal((await signer.readRange("conformance/data.bin", BYTES.length, 10)).byteLength, 0);
      assert.equal((await signer.readRange("conformance/data.bin", 5, 0)).byteLength, 0);
      assert.deepEqual(
        await signer.readRange("conformance/with space/ünï €/deep/file name.tif", 2, 4),
        BYTES.subarray(2, 6),
      );
      await assert.rejects(signer.readRange("conformance/data.bin", -1, 10), RangeError);
      await assert.rejects(signer.readRange("conformance/missing.bin", 0, 10), ObjectNotFoundError);
    });

    it("hashes objects through the port, and a store-held SHA-256 is the object's", async () => {
      const expected = createHash("sha256").update(BYTES).digest("hex");
      const stat = await store.signer.stat("conformance/data.bin");
      assert.deepEqual(await hashObject(store.signer, "conformance/data.bin", { expectedSize: stat.size }), {
        sha256: expected,
        bytes: BYTES.length,
      });
      if (stat.sha256 !== undefined) assert.equal(stat.sha256, expected);
      await assert.rejects(
        hashObject(store.signer, "conformance/data.bin", { expectedSize: stat.size + 1 }),
        /Cannot reach/,
        "a read of another length than stat gave is the store's fault, not a hash",
      );
      await assert.rejects(hashObject(store.signer, "conformance/missing.bin"), ObjectNotFoundError);
    });

    it("gives a version that changes when the object does", async () => {
      const key = "conformance/versioned.bin";
      await store.putObject(key, BYTES.subarray(0, 64));
      const first = await store.signer.stat(key);
      assert.ok(first.version.length > 0, "a version");
      assert.deepEqual(await store.signer.stat(key), first, "stable while the object is");
      // Same size, other bytes: only the version can tell them apart.
      await sleep(20);
      await store.putObject(key, BYTES.subarray(64, 128));
      const second = await store.signer.stat(key);
      assert.equal(second.size, first.size);
      assert.notEqual(second.version, first.version);
    });
  });
}
