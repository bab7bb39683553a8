import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { LocalUrlSigner } from "@taskdl/storage/local";
import { startTestServer, TEST_URL_SIGNING_KEY, type TestServer } from "@taskdl/testing";
import { ROUTES } from "@taskdl/contract";

const CONTENT = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));

let server: TestServer;
let signer: LocalUrlSigner;

before(async () => {
  server = await startTestServer();
  assert.ok(server.running.signer instanceof LocalUrlSigner);
  signer = server.running.signer;
  await server.putObject("files/data.bin", CONTENT);
  await server.putObject("files/empty.txt", "");
  await server.putObject("files/with space/Ünïcödé name.tif", "unicode");
});

after(() => server.close());

function link(key: string, options: { fileName?: string; contentType?: string; inSeconds?: number } = {}): string {
  const { fileName = key.split("/").pop() ?? key, contentType, inSeconds = 600 } = options;
  const expiresAt = new Date((Math.ceil(Date.now() / 1000) + inSeconds) * 1000);
  return signer.sign(key, { fileName, contentType, expiresAt });
}

async function refusal(res: Response): Promise<{ code: number; message: string }> {
  const body = (await res.json()) as { code: number; message: string; data: null };
  assert.equal(body.code, res.status);
  assert.equal(body.data, null);
  return body;
}

describe("download headers", () => {
  test("GET sends the bytes with attachment name, type, ETag and Accept-Ranges", async () => {
    const res = await fetch(link("files/data.bin", { fileName: "report 1.bin", contentType: "application/x-test" }));
    assert.equal(res.status, 200);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), CONTENT);
    assert.equal(
      res.headers.get("content-disposition"),
      `attachment; filename="report 1.bin"; filename*=UTF-8''report%201.bin`,
    );
    assert.equal(res.headers.get("content-type"), "application/x-test");
    assert.match(res.headers.get("etag") ?? "", /^"[0-9a-f]+-[0-9a-f]+"$/);
    assert.equal(res.headers.get("accept-ranges"), "bytes");
    assert.equal(res.headers.get("content-length"), "1000");
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("referrer-policy"), "no-referrer");
  });

  test("a Unicode file name gets an ASCII fallback and the exact UTF-8 name", async () => {
    const res = await fetch(link("files/with space/Ünïcödé name.tif", { fileName: 'Ünïcödé "name".tif' }));
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "unicode");
    assert.equal(
      res.headers.get("content-disposition"),
      `attachment; filename="_n_c_d_ \\"name\\".tif"; filename*=UTF-8''%C3%9Cn%C3%AFc%C3%B6d%C3%A9%20%22name%22.tif`,
    );
    assert.equal(res.headers.get("content-type"), "application/octet-stream");
  });

  test("HEAD sends the headers only", async () => {
    const res = await fetch(link("files/data.bin"), { method: "HEAD" });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-length"), "1000");
    assert.equal(await res.text(), "");
  });

  test("an empty file downloads as zero bytes", async () => {
    const res = await fetch(link("files/empty.txt"));
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "");
  });

  test("a matching If-None-Match is 304", async () => {
    const url = link("files/data.bin");
    const etag = (await fetch(url, { method: "HEAD" })).headers.get("etag") ?? "";
    const res = await fetch(url, { headers: { "If-None-Match": etag } });
    assert.equal(res.status, 304);
  });

  test("other methods are 405 with Allow: GET, HEAD", async () => {
    const res = await fetch(link("files/data.bin"), { method: "DELETE" });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("allow"), "GET, HEAD");
  });
});

describe("ranges", () => {
  const cases: [string, number, number][] = [
    ["bytes=0-9", 0, 9],
    ["bytes=990-", 990, 999],
    ["bytes=-10", 990, 999],
    ["bytes=500-5000", 500, 999],
  ];
  for (const [range, start, end] of cases) {
    test(`${range} is 206 with the slice`, async () => {
      const res = await fetch(link("files/data.bin"), { headers: { Range: range } });
      assert.equal(res.status, 206);
      assert.equal(res.headers.get("content-range"), `bytes ${start}-${end}/1000`);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), CONTENT.subarray(start, end + 1));
    });
  }

  test("a range past the end is 416 with the size", async () => {
    const res = await fetch(link("files/data.bin"), { headers: { Range: "bytes=1000-" } });
    assert.equal(res.status, 416);
    assert.equal(res.headers.get("content-range"), "bytes */1000");
  });

  test("malformed or multiple ranges, or a stale If-Range, get the whole file", async () => {
    const variants: Record<string, string>[] = [
      { Range: "bytes=a-b" },
      { Range: "bytes=0-1,5-6" },
      { Range: "bytes=0-9", "If-Range": '"stale"' },
    ];
    for (const headers of variants) {
      const res = await fetch(link("files/data.bin"), { headers });
      assert.equal(res.status, 200);
      assert.equal((await res.arrayBuffer()).byteLength, 1000);
    }
  });
});

describe("refused links", () => {
  test("a link past its expiry is 410", async () => {
    const res = await fetch(link("files/data.bin", { inSeconds: -1 }));
    assert.equal(res.status, 410);
    assert.equal((await refusal(res)).message, "Gone: the download link has expired");
  });

  test("a link without its signature is 403", async () => {
    const url = new URL(link("files/data.bin"));
    url.searchParams.delete("sig");
    const res = await fetch(url);
    assert.equal(res.status, 403);
    assert.equal((await refusal(res)).message, "Forbidden: the download link is not signed");
    assert.equal((await fetch(`${server.url}/files/files/data.bin`)).status, 403);
  });

  test("changing anything the link names is 403, even when it would also have expired", async () => {
    const url = new URL(link("files/data.bin", { contentType: "text/plain" }));
    const tampered: URL[] = [];
    const withParam = (name: string, value: string) => {
      const copy = new URL(url);
      copy.searchParams.set(name, value);
      tampered.push(copy);
    };
    withParam("exp", String(Number(url.searchParams.get("exp")) + 3600));
    withParam("exp", "1");
    withParam("fn", "other.bin");
    withParam("ct", "text/html");
    withParam("sig", `${url.searchParams.get("sig")?.slice(0, -2)}AA`);
    withParam("sig", url.searchParams.get("sig")?.slice(0, 20) ?? "");
    const doubled = new URL(url);
    doubled.searchParams.append("sig", url.searchParams.get("sig") ?? "");
    tampered.push(doubled);
    const otherKey = new URL(url);
    otherKey.pathname = "/files/files/empty.txt";
    tampered.push(otherKey);
    for (const candidate of tampered) {
      const res = await fetch(candidate);
      assert.equal(res.status, 403, candidate.toString());
      await refusal(res);
    }
  });

  test("a link signed with another key is 403", async () => {
    const other = new LocalUrlSigner(signer.root, {
      baseUrl: server.url,
      keys: [{ kid: "default", key: "a-different-key-of-at-least-32-bytes" }],
    });
    const res = await fetch(
      other.sign("files/data.bin", { fileName: "data.bin", expiresAt: new Date(Date.now() + 60_000) }),
    );
    assert.equal(res.status, 403);
  });
});

describe("the storage root", () => {
  test("traversal in the path, plain or encoded, never reaches a file outside", async () => {
    for (const path of [
      "/files/../package.json",
      "/files/%2e%2e/%2e%2e/etc/passwd",
      "/files/..%2F..%2Fetc%2Fpasswd",
      "/files/%2Fetc%2Fpasswd",
    ]) {
      const res = await fetch(`${server.url}${path}?exp=9999999999&fn=x&sig=${"A".repeat(43)}`);
      assert.ok([403, 404].includes(res.status), `${path}: ${res.status}`);
      assert.doesNotMatch(await res.text(), /root:|"name"/);
    }
  });

  test("even a validly signed key cannot leave the root through .. or a symlink", async () => {
    const root = signer.root;
    writeFileSync(join(root, "..", "outside.txt"), "outside");
    mkdirSync(join(root, "links"), { recursive: true });
    symlinkSync(join(root, "..", "outside.txt"), join(root, "links", "out.txt"));
    symlinkSync(join(root, "files", "data.bin"), join(root, "links", "in.bin"));
    for (const key of ["../outside.txt", "links/out.txt"]) {
      const res = await fetch(link(key, { fileName: "x" }));
      assert.equal(res.status, 404, key);
      assert.doesNotMatch(await res.text(), /outside/);
    }
    const inside = await fetch(link("links/in.bin"));
    assert.equal(inside.status, 200, "a symlink that stays inside the root works");
  });

  test("a signed link to a file removed since is 404", async () => {
    const res = await fetch(link("files/never-there.bin"));
    assert.equal(res.status, 404);
  });
});

describe("expiry end to end", () => {
  test("a link from the API stops working after its expiresAt", async (t) => {
    const shortLived = await startTestServer({ DOWNLOAD_URL_TTL: "1" });
    t.after(() => shortLived.close());
    const put = await shortLived.putTask({
      taskId: "short",
      ownerId: "alice",
      status: "SUCCEEDED",
      outputs: [{ fileName: "a.txt", storageKey: "short/a.txt" }],
    });
    assert.equal(put.status, 200);
    const res = await shortLived.get(`${ROUTES.getDownloadUrl.path}?taskId=short`, shortLived.token("alice"));
    const body = (await res.json()) as { data: { downloadUrls: { downloadUrl: string; expiresAt: string }[] } };
    const [vo] = body.data.downloadUrls;
    assert.ok(vo !== undefined);
    assert.ok(Date.parse(vo.expiresAt) > Date.now(), "never issued already expired");
    assert.equal((await fetch(vo.downloadUrl)).status, 200);
    await sleep(Math.max(0, Date.parse(vo.expiresAt) - Date.now()) + 1100);
    const gone = await fetch(vo.downloadUrl);
    assert.equal(gone.status, 410);

    // It says where a fresh link comes from: the file's stable path, in the message and in a Link header.
    assert.equal(
      (await refusal(gone)).message,
      "Gone: the download link has expired; a fresh one comes from /analysis/task/short/files/a.txt (with your token)",
    );
    const renew = /^<([^>]+)>; rel="alternate"$/.exec(gone.headers.get("link") ?? "")?.[1] ?? "";
    assert.equal(renew, `${shortLived.url}/analysis/task/short/files/a.txt`);
    const fresh = await fetch(renew, { headers: { Authorization: `Bearer ${shortLived.token("alice")}` } });
    assert.equal(fresh.status, 200, "the Link, followed with the token, downloads the file again");
    assert.equal(await fresh.text(), "content of a.txt");
  });

  test("an expired link's task and file names are percent-encoded in its Link", async () => {
    const expiresAt = new Date((Math.floor(Date.now() / 1000) - 5) * 1000);
    const url = signer.sign("files/data.bin", { fileName: "Bericht «1» 100%.pdf", expiresAt, taskId: "t-1" });
    const gone = await fetch(url);
    assert.equal(gone.status, 410);
    await gone.arrayBuffer();
    assert.equal(
      gone.headers.get("link"),
      `<${server.url}/analysis/task/t-1/files/Bericht%20%C2%AB1%C2%BB%20100%25.pdf>; rel="alternate"`,
    );
  });

  test("a link without its task (format 1, issued before) says only that it expired", async () => {
    const expiresAt = new Date((Math.floor(Date.now() / 1000) - 5) * 1000);
    const keys = [{ kid: "default", key: TEST_URL_SIGNING_KEY }];
    const older = new LocalUrlSigner(signer.root, { baseUrl: server.url, keys, linkFormat: 1 });
    const gone = await fetch(
      older.sign("files/data.bin", { fileName: "data.bin", expiresAt, taskId: "t-1" }) as string,
    );
    assert.equal(gone.status, 410);
    assert.equal(gone.headers.get("link"), null);
    assert.equal((await refusal(gone)).message, "Gone: the download link has expired");
  });
});

describe("link formats across replicas (a deploy, a rolling restart)", () => {
  const sha256 = createHash("sha256").update(CONTENT).digest();

  test("links of either format are served by a replica of either setting, the digest only in format 2", async () => {
    // A second replica on the same files and keys, still issuing format 1 (STORAGE_LOCAL_LINK_FORMAT=1).
    const rolling = await startTestServer({ STORAGE_LOCAL_DIR: signer.root, STORAGE_LOCAL_LINK_FORMAT: "1" });
    try {
      const older = rolling.running.signer;
      const expiresAt = new Date((Math.ceil(Date.now() / 1000) + 600) * 1000);
      const options = { fileName: "data.bin", expiresAt, taskId: "t-7", sha256: sha256.toString("hex") };
      const format1 = older.sign("files/data.bin", options) as string;
      const format2 = signer.sign("files/data.bin", options);
      assert.equal(new URL(format1).searchParams.has("v"), false);
      assert.equal(new URL(format2).searchParams.get("v"), "2");
      for (const [url, origin] of [
        [format1, server.url],
        [format2, server.url],
        [format1, rolling.url],
        [format2, rolling.url],
      ] as const) {
        const moved = new URL(url);
        const res = await fetch(`${origin}${moved.pathname}${moved.search}`);
        assert.equal(res.status, 200, `${url} on ${origin}`);
        assert.deepEqual(Buffer.from(await res.arrayBuffer()), CONTENT);
        const digest = url === format2 ? `sha-256=:${sha256.toString("base64")}:` : null;
        assert.equal(res.headers.get("repr-digest"), digest);
      }
    } finally {
      await rolling.close();
    }
  });
});
