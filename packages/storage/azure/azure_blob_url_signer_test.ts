import assert from "node:assert/strict";
import { test } from "node:test";
import { AzureBlobUrlSigner } from "./azure_blob_url_signer.ts";

const KEY = Buffer.from("an-account-key-for-tests-only-32b").toString("base64");
const cloud = `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${KEY};EndpointSuffix=core.windows.net`;
const emulator = `DefaultEndpointsProtocol=http;AccountName=acct;AccountKey=${KEY};BlobEndpoint=http://127.0.0.1:10000/acct`;
const expiresAt = new Date(Date.UTC(2030, 0, 1, 12, 0, 0));

function signed(connectionString: string, key: string, fileName: string, contentType?: string): URL {
  const signer = new AzureBlobUrlSigner({ driver: "azure", connectionString, container: "outputs" });
  return new URL(signer.sign(key, { fileName, expiresAt, ...(contentType === undefined ? {} : { contentType }) }));
}

test("a SAS for one blob: read only, HTTPS only, expiring at expiresAt, naming the download", () => {
  const url = signed(cloud, "runs/1/my file.tif", 'Karte "é".tif', "image/tiff");
  assert.equal(`${url.origin}${url.pathname}`, "https://acct.blob.core.windows.net/outputs/runs/1/my%20file.tif");
  const sas = url.searchParams;
  assert.equal(sas.get("sr"), "b", "scoped to one blob");
  assert.equal(sas.get("sp"), "r", "read permission only");
  assert.equal(sas.get("spr"), "https");
  assert.equal(sas.get("se"), "2030-01-01T12:00:00Z");
  assert.equal(sas.get("rscd"), `attachment; filename="Karte \\"_\\".tif"; filename*=UTF-8''Karte%20%22%C3%A9%22.tif`);
  assert.equal(sas.get("rsct"), "image/tiff");
  assert.match(sas.get("sig") ?? "", /^[A-Za-z0-9+/]{43}=$/);
});

test("plain HTTP is allowed for a loopback emulator only", () => {
  assert.equal(signed(emulator, "a", "a").searchParams.get("spr"), "https,http");
  assert.throws(
    () =>
      new AzureBlobUrlSigner({
        driver: "azure",
        connectionString: `DefaultEndpointsProtocol=http;AccountName=acct;AccountKey=${KEY};BlobEndpoint=http://blobs.example.com/acct`,
        container: "outputs",
      }),
    /plain-HTTP blob endpoint/,
  );
});

test("the signature covers the blob, the expiry and the overrides", () => {
  const base = signed(cloud, "a/b.pdf", "b.pdf").searchParams.get("sig");
  assert.notEqual(signed(cloud, "a/c.pdf", "b.pdf").searchParams.get("sig"), base);
  assert.notEqual(signed(cloud, "a/b.pdf", "c.pdf").searchParams.get("sig"), base);
  assert.notEqual(signed(cloud, "a/b.pdf", "b.pdf", "text/html").searchParams.get("sig"), base);
  assert.equal(signed(cloud, "a/b.pdf", "b.pdf").searchParams.get("sig"), base, "deterministic for the same inputs");
});

test("a connection string without an account key cannot sign", () => {
  assert.throws(
    () =>
      new AzureBlobUrlSigner({
        driver: "azure",
        connectionString: "BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=sv=2024-01-01&sig=x",
        container: "outputs",
      }),
    /must hold an AccountKey/,
  );
});
