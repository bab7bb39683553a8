/**
 * How many download URLs each storage adapter signs per second, measured
 * side by side in one run (rounds alternate between adapters, each after a
 * warm-up, so a noisy machine shifts them all alike):
 *
 *   npm run bench:sign                      # 5 rounds of 2 s per adapter
 *   npm run bench:sign -- --rounds 1 --seconds 0.2   # the CI smoke run
 *
 * Signing needs no store: URLs are computed, not fetched, which is the point
 * (no endpoint resolution, credential loading or I/O per URL). For contrast
 * it also times the AWS SDK's `getSignedUrl`, which runs the client's
 * middleware and endpoint rules for every URL.
 *
 * @module
 */
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import {
  type AzureSettings,
  createUrlSigner,
  type S3Settings,
  type SignOptions,
  type StorageSettings,
} from "@taskdl/storage";
import { AzureBlobUrlSigner } from "@taskdl/storage/azure";
import { S3UrlSigner } from "@taskdl/storage/s3";
import { median } from "./_rounds.ts";

const { values } = parseArgs({
  options: { rounds: { type: "string", default: "5" }, seconds: { type: "string", default: "2" } },
  strict: true,
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
if (!(rounds >= 1 && seconds > 0)) throw new Error("usage: sign_urls.ts [--rounds N>=1] [--seconds S>0]");

const credentials = { accessKeyId: "AKIDBENCHMARK", secretAccessKey: "benchmark-secret-access-key-0123456789" };
const s3: StorageSettings = {
  driver: "s3",
  bucket: "outputs",
  region: "eu-west-1",
  endpoint: undefined,
  forcePathStyle: false,
  credentials,
};
const configs: StorageSettings[] = [
  { driver: "local", root: "/srv/taskdl/files", linkFormat: 2 },
  s3,
  {
    driver: "azure",
    connectionString: `DefaultEndpointsProtocol=https;AccountName=bench;AccountKey=${Buffer.from("k".repeat(32)).toString("base64")};EndpointSuffix=core.windows.net`,
    container: "outputs",
  },
];

type Sign = (key: string, options: SignOptions) => string | Promise<string>;
const adapters: { name: string; sign: Sign }[] = [];
for (const config of configs) {
  const signer = await createUrlSigner(config, {
    publicBaseUrl: "https://dl.example.com",
    linkKeys: [{ kid: "k1", key: "k".repeat(32) }],
  });
  adapters.push({ name: config.driver, sign: (key, options) => signer.sign(key, options) });
}
// S3 through the SDK's presigner (with keyed_sha256.ts's HMAC): what the adapter's own SigV4 bought. And the
// adapters with the SDKs' own HMAC, which imports the key for every URL: what keyed_sha256.ts bought.
const sdkHmac = [
  { name: "s3 (the SDK's presigner, keyed HMAC)", signer: new S3UrlSigner(s3 as S3Settings, { sdkPresigner: true }) },
  { name: "s3 (the SDK's own HMAC, before)", signer: new S3UrlSigner(s3 as S3Settings, { keyedHmac: false }) },
  {
    name: "azure (the SDK's own HMAC, before)",
    signer: new AzureBlobUrlSigner(configs[2] as AzureSettings, { keyedHmac: false }),
  },
];
for (const { name, signer } of sdkHmac) adapters.push({ name, sign: (key, options) => signer.sign(key, options) });
const client = new S3Client({ region: "eu-west-1", credentials });
adapters.push({
  name: "s3 via SDK getSignedUrl (contrast)",
  sign: (key, { fileName, contentType, expiresAt }) =>
    getSignedUrl(
      client,
      new GetObjectCommand({
        Bucket: "outputs",
        Key: key,
        ResponseContentDisposition: `attachment; filename="${fileName}"`,
        ResponseContentType: contentType,
      }),
      { expiresIn: Math.floor((expiresAt.getTime() - Date.now()) / 1000) },
    ),
});

const BATCH = 500;

async function measure(sign: Sign, forSeconds: number): Promise<number> {
  const expiresAt = new Date((Math.ceil(Date.now() / 1000) + 3600) * 1000);
  let count = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(forSeconds * 1e9));
  let now = start;
  while (now < end) {
    for (let i = 0; i < BATCH; i++) {
      const n = count + i;
      const url = sign(`runs/${n % 1000}/ndvi_result_${n}.tif`, {
        fileName: `ndvi_result_${n}.tif`,
        contentType: "image/tiff",
        expiresAt,
      });
      if (typeof url !== "string") await url;
    }
    count += BATCH;
    now = process.hrtime.bigint();
  }
  return count / (Number(now - start) / 1e9);
}

for (const { sign } of adapters) await measure(sign, Math.min(seconds, 0.5)); // warm-up
const results = new Map<string, number[]>(adapters.map(({ name }) => [name, []]));
for (let round = 0; round < rounds; round++) {
  for (const { name, sign } of adapters) results.get(name)?.push(await measure(sign, seconds));
}

const cpu = cpus();
console.log(`URL signing throughput — ${rounds} round(s) × ${seconds} s per adapter, one thread`);
console.log(`machine: ${cpu[0]?.model ?? "unknown CPU"} (${cpu.length} cores), Node ${process.version}\n`);
console.log(
  `${"adapter".padEnd(36)}${"URLs/s (median)".padStart(16)}${"min".padStart(12)}${"max".padStart(12)}${"µs/URL".padStart(9)}`,
);
for (const [name, xs] of results) {
  const m = median(xs);
  console.log(
    `${name.padEnd(36)}${Math.round(m).toLocaleString("en").padStart(16)}${Math.round(Math.min(...xs))
      .toLocaleString("en")
      .padStart(12)}${Math.round(Math.max(...xs))
      .toLocaleString("en")
      .padStart(12)}${(1e6 / m).toFixed(2).padStart(9)}`,
  );
}
client.destroy();

// The performance issue's target: each cloud adapter at least 2x the URLs/s of its SDK's own signing.
console.log("\ntargets");
for (const [adapter, before] of [
  ["s3", "s3 (the SDK's own HMAC, before)"],
  ["azure", "azure (the SDK's own HMAC, before)"],
] as const) {
  const ratio = median(results.get(adapter) ?? []) / median(results.get(before) ?? []);
  console.log(`  ${ratio >= 2 ? "met   " : "MISSED"}  signing: ${adapter} ≥ 2x the SDK's own  ${ratio.toFixed(2)}x`);
}
