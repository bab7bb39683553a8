import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { mock, test } from "node:test";
import type { S3Settings } from "./s3_settings.ts";
import { type S3SignerOptions, S3UrlSigner } from "./s3_url_signer.ts";

const CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };

function signer(overrides: Partial<S3Settings> = {}, options: S3SignerOptions = {}): S3UrlSigner {
  return new S3UrlSigner(
    {
      driver: "s3",
      bucket: "outputs",
      region: "eu-west-1",
      endpoint: undefined,
      forcePathStyle: false,
      credentials: CREDENTIALS,
      ...overrides,
    },
    options,
  );
}

const inSeconds = (seconds: number) => new Date((Math.floor(Date.now() / 1000) + seconds) * 1000);

// SigV4 for a presigned S3 GET, written from AWS's documentation with
// node:crypto only, independent of the SDK that signs our URLs.
function expectedSignature(url: URL, secretAccessKey: string): string {
  const rfc3986 = (value: string) =>
    encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  const query = [...url.searchParams]
    .filter(([name]) => name !== "X-Amz-Signature")
    .map(([name, value]) => `${rfc3986(name)}=${rfc3986(value)}`)
    .sort()
    .join("&");
  const canonicalRequest = ["GET", url.pathname, query, `host:${url.host}`, "", "host", "UNSIGNED-PAYLOAD"].join("\n");
  const date = url.searchParams.get("X-Amz-Date") ?? "";
  const scope = (url.searchParams.get("X-Amz-Credential") ?? "").split("/").slice(1).join("/");
  const stringToSign = [
    "AWS4-HMAC-SHA256",
    date,
    scope,
    createHash("sha256").update(canonicalRequest).digest("hex"),
  ].join("\n");
  const [day, region, service] = scope.split("/") as [string, string, string];
  let key: Buffer = createHmac("sha256", `AWS4${secretAccessKey}`).update(day).digest();
  for (const part of [region, service, "aws4_request"]) key = createHmac("sha256", key).update(part).digest();
  return createHmac("sha256", key).update(stringToSign).digest("hex");
}

test("on AWS, URLs are virtual-hosted on the regional endpoint, each key segment escaped per RFC 3986", async () => {
  const url = new URL(
    await signer().sign("runs/1/my file (v2)*.tif", { fileName: "my file (v2)*.tif", expiresAt: inSeconds(60) }),
  );
  assert.equal(url.origin, "https://outputs.s3.eu-west-1.amazonaws.com");
  assert.equal(url.pathname, "/runs/1/my%20file%20%28v2%29%2A.tif");
});

test("with an endpoint and path style, URLs are endpoint/bucket/key; a bucket with dots falls back to path style", async () => {
  const minio = new URL(
    await signer({ endpoint: "http://127.0.0.1:9000", forcePathStyle: true }).sign("a/b.pdf", {
      fileName: "b.pdf",
      expiresAt: inSeconds(60),
    }),
  );
  assert.equal(`${minio.origin}${minio.pathname}`, "http://127.0.0.1:9000/outputs/a/b.pdf");
  const dotted = new URL(
    await signer({ bucket: "my.bucket" }).sign("a/b.pdf", { fileName: "b.pdf", expiresAt: inSeconds(60) }),
  );
  assert.equal(`${dotted.origin}${dotted.pathname}`, "https://s3.eu-west-1.amazonaws.com/my.bucket/a/b.pdf");
});

test("the signature is SigV4 as AWS documents it, over the response overrides too", async () => {
  const url = new URL(
    await signer().sign("runs/1/Résumé.pdf", {
      fileName: `Résumé "final".pdf`,
      contentType: "application/pdf",
      expiresAt: inSeconds(300),
    }),
  );
  assert.equal(url.searchParams.get("X-Amz-Algorithm"), "AWS4-HMAC-SHA256");
  assert.match(url.searchParams.get("X-Amz-Credential") ?? "", /^AKIDEXAMPLE\/\d{8}\/eu-west-1\/s3\/aws4_request$/);
  assert.equal(url.searchParams.get("X-Amz-SignedHeaders"), "host");
  assert.equal(
    url.searchParams.get("response-content-disposition"),
    `attachment; filename="R_sum_ \\"final\\".pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22.pdf`,
  );
  assert.equal(url.searchParams.get("response-content-type"), "application/pdf");
  assert.equal(url.searchParams.get("X-Amz-Signature"), expectedSignature(url, CREDENTIALS.secretAccessKey));
  const tampered = new URL(url);
  tampered.searchParams.set("response-content-type", "text/html");
  assert.notEqual(
    tampered.searchParams.get("X-Amz-Signature"),
    expectedSignature(tampered, CREDENTIALS.secretAccessKey),
  );
});

test("the link dies exactly at expiresAt: signed at the whole second, X-Amz-Expires the rest", async () => {
  const expiresAt = inSeconds(3600);
  const url = new URL(await signer().sign("a/b.pdf", { fileName: "b.pdf", expiresAt }));
  const date = url.searchParams.get("X-Amz-Date") ?? "";
  const signedAt = Date.parse(date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"));
  assert.equal(signedAt + Number(url.searchParams.get("X-Amz-Expires")) * 1000, expiresAt.getTime());
});

test("S3's 7-day limit is enforced with a clear error, and an expired link is never signed", async () => {
  await assert.doesNotReject(signer().sign("a", { fileName: "a", expiresAt: inSeconds(604_800) }));
  await assert.rejects(signer().sign("a", { fileName: "a", expiresAt: inSeconds(604_801) }), {
    name: "RangeError",
    message: /S3 presigned URLs last at most 604800 s \(7 days\); asked for 604801 s/,
  });
  await assert.rejects(signer().sign("a", { fileName: "a", expiresAt: inSeconds(-1) }), RangeError);
});

test("signing does no I/O: an endpoint nobody listens on still signs", async () => {
  const offline = signer({ endpoint: "http://127.0.0.1:9", forcePathStyle: true });
  const urls = await Promise.all(
    Array.from({ length: 100 }, (_, i) => offline.sign(`k/${i}`, { fileName: `${i}.bin`, expiresAt: inSeconds(60) })),
  );
  assert.equal(new Set(urls).size, 100);
});

test("without static credentials, the AWS SDK's default chain supplies them (here: the environment)", async () => {
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  process.env.AWS_ACCESS_KEY_ID = "AKIDFROMCHAIN";
  process.env.AWS_SECRET_ACCESS_KEY = "secret-from-the-chain";
  try {
    const url = new URL(
      await signer({ credentials: undefined }).sign("a", { fileName: "a", expiresAt: inSeconds(60) }),
    );
    assert.match(url.searchParams.get("X-Amz-Credential") ?? "", /^AKIDFROMCHAIN\//);
    assert.equal(url.searchParams.get("X-Amz-Signature"), expectedSignature(url, "secret-from-the-chain"));
  } finally {
    for (const [name, value] of [
      ["AWS_ACCESS_KEY_ID", saved.id],
      ["AWS_SECRET_ACCESS_KEY", saved.secret],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
});

// A small seeded generator: the same inputs on every run, so a failure can be replayed.
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("the adapter's own SigV4 gives the SDK presigner's URLs byte for byte, and AWS's documented signature", async () => {
  const next = random(17);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const text = (length: number) =>
    Array.from({ length }, () =>
      pick([..."aZ09-._~ !'()*%+=&?#;:@$,/\\\"<>[]{}|^`", "é", "ü", "水", "😀", "\u00a0"]),
    ).join("");
  const settings: Partial<S3Settings>[] = [
    {},
    { bucket: "my.bucket" },
    { endpoint: "http://127.0.0.1:9000", forcePathStyle: true },
    { endpoint: "https://storage.example.com:8443/base/", forcePathStyle: false },
    { region: "us-east-1", endpoint: "https://s3.example.com", forcePathStyle: true, bucket: "Outputs_2" },
  ];
  const credentials = [
    CREDENTIALS,
    { ...CREDENTIALS, sessionToken: "FwoGZXIvYXdzE/+token=with&reserved*chars" },
    { accessKeyId: "AKID+odd=chars", secretAccessKey: "s" },
  ];
  mock.timers.enable({ apis: ["Date"], now: Date.parse("2026-12-01T23:59:58.250Z") });
  try {
    for (let i = 0; i < 300; i++) {
      const config = { ...pick(settings), credentials: pick(credentials) };
      // No "." or ".." segment: URL parsers (and curl) fold those away, whoever signs (left as it is, noted).
      const segment = () => text(1 + Math.floor(next() * 12)).replace(/^\.+$/, "dots");
      const key = Array.from({ length: 1 + Math.floor(next() * 3) }, segment).join("/");
      const options = {
        fileName: text(1 + Math.floor(next() * 20)),
        ...(next() < 0.7 ? { contentType: pick(["image/tiff", "application/pdf", "text/csv; charset=utf-8"]) } : {}),
        expiresAt: inSeconds(1 + Math.floor(next() * 604_799)),
      };
      const ours = await signer(config).sign(key, options);
      const sdk = await signer(config, { sdkPresigner: true }).sign(key, options);
      assert.equal(ours, sdk, JSON.stringify({ config, key, options }));
      const secret = (config.credentials ?? CREDENTIALS).secretAccessKey;
      assert.equal(new URL(ours).searchParams.get("X-Amz-Signature"), expectedSignature(new URL(ours), secret), ours);
      if (i % 10 === 0) mock.timers.tick(1000); // across midnight: another day's signing key
    }
  } finally {
    mock.timers.reset();
  }
});
