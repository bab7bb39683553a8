/**
 * How fast ingest hashes an output on each store: one object written into a
 * local folder, s3rver and Azurite (the emulators the tests use, started
 * here), then read through the storage port and hashed (`hashObject`, what
 * ingest and the backfill do), rounds alternating between stores, after a
 * warm-up. For a floor, SHA-256 of the same bytes in memory.
 *
 *   npm run bench:hash                          # 128 MB, 3 rounds per store
 *   npm run bench:hash -- --mb 8 --rounds 1     # the CI smoke run
 *
 * The emulators run on this machine: their figures bound what the port and
 * SDKs cost, not what a cloud store's bandwidth gives (measure that where
 * the service runs).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { azureSettings, createUrlSigner, hashObject, s3Settings, type UrlSigner } from "@taskdl/storage";
import { startAzureEmulator, startS3Emulator, type TestStore } from "@taskdl/testing";

let megabytes: number;
let rounds: number;
try {
  const { values } = parseArgs({
    options: { mb: { type: "string", default: "128" }, rounds: { type: "string", default: "3" } },
    strict: true,
  });
  megabytes = Number(values.mb);
  rounds = Number(values.rounds);
  if (!(Number.isInteger(megabytes) && megabytes >= 1 && Number.isInteger(rounds) && rounds >= 1)) throw new Error();
} catch {
  process.stderr.write("usage: hash_rate.ts [--mb N>=1] [--rounds N>=1]\n");
  process.exit(2);
}

const KEY = "bench/output.bin";
const bytes = Buffer.alloc(megabytes * 1024 * 1024);
for (let i = 0; i < bytes.length; i += 4) bytes.writeUInt32LE((i * 2654435761) >>> 0, i);
const expected = createHash("sha256").update(bytes).digest("hex");

const root = mkdtempSync(join(tmpdir(), "taskdl-bench-hash-"));
const stores: TestStore[] = [];
const adapters: { name: string; signer: UrlSigner }[] = [];
try {
  adapters.push({
    name: "local (files on this disk)",
    signer: await createUrlSigner(
      { driver: "local", root, linkFormat: 2 },
      { publicBaseUrl: "http://127.0.0.1", linkKeys: [{ kid: "bench", key: "b".repeat(32) }] },
    ),
  });
  const s3 = await startS3Emulator({ bucket: "bench" });
  stores.push(s3);
  adapters.push({
    name: "s3 (s3rver, loopback)",
    signer: await createUrlSigner(s3Settings(s3.env), { publicBaseUrl: "" }),
  });
  const azure = await startAzureEmulator({ container: "bench" });
  stores.push(azure);
  adapters.push({
    name: "azure (Azurite, loopback)",
    signer: await createUrlSigner(azureSettings(azure.env), { publicBaseUrl: "" }),
  });
  for (const { signer } of adapters) await signer.write(KEY, bytes);

  const rates = new Map<string, number[]>();
  const time = async (name: string, run: () => Promise<void> | void) => {
    const start = process.hrtime.bigint();
    await run();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    rates.set(name, [...(rates.get(name) ?? []), bytes.length / 1e6 / seconds]);
  };
  const floor = "sha-256 in memory (floor)";
  for (let round = 0; round <= rounds; round++) {
    const measured = round > 0; // round 0 warms up
    await time(floor, () => void createHash("sha256").update(bytes).digest("hex"));
    for (const { name, signer } of adapters) {
      await time(name, async () => {
        const { sha256 } = await hashObject(signer, KEY, { expectedSize: bytes.length });
        if (sha256 !== expected) throw new Error(`${name} hashed other bytes`);
      });
    }
    if (!measured) rates.clear();
  }

  process.stdout.write(
    `hashing a ${megabytes} MB object through the storage port, ${rounds} round(s), ` +
      `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? "cpu"}\n\n`,
  );
  process.stdout.write(`${"store".padEnd(34)}${"MB/s (median)".padStart(14)}${"best".padStart(10)}\n`);
  for (const [name, values] of rates) {
    const sorted = [...values].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    const best = sorted[sorted.length - 1] ?? 0;
    process.stdout.write(`${name.padEnd(34)}${median.toFixed(0).padStart(14)}${best.toFixed(0).padStart(10)}\n`);
  }
  const slowest = Math.min(...[...rates.entries()].filter(([name]) => name !== floor).map(([, v]) => Math.min(...v)));
  process.stdout.write(
    `\nat the slowest rate here, a PUT that hashes 50 GB takes ${Math.round(50_000 / slowest / 60)} min: ` +
      "send sha256 for very large outputs\n",
  );
} finally {
  for (const store of stores) await store.close();
  rmSync(root, { recursive: true, force: true });
}
