import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describeUrlSignerConformance } from "../testing/url_signer_conformance.ts";
import { LocalUrlSigner } from "./local_url_signer.ts";

// The local store is a folder plus the links its adapter serves; here they are served by a bare node:http
// server, refusals answered with the status the service gives them (the service adds its envelope).
const REFUSAL_STATUS = { unsigned: 403, "bad-signature": 403, expired: 410, missing: 404 } as const;

describeUrlSignerConformance("local", async () => {
  const root = mkdtempSync(join(tmpdir(), "taskdl-local-"));
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const signer = new LocalUrlSigner(root, {
    baseUrl,
    keys: [{ kid: "c1", key: "conformance-key-of-at-least-32-bytes!" }],
  });
  server.on("request", (req, res) => {
    signer.links.serve(req, res).then(
      (refused) => {
        if (refused !== undefined) res.writeHead(REFUSAL_STATUS[refused.reason]).end(refused.reason);
      },
      () => res.writeHead(503).end(),
    );
  });
  return {
    signer,
    putObject: (key, content) => {
      mkdirSync(dirname(join(root, key)), { recursive: true });
      writeFileSync(join(root, key), content);
      return Promise.resolve();
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      rmSync(root, { recursive: true, force: true });
    },
  };
});
