import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import Router from "@koa/router";
import Koa from "koa";
import { pino } from "pino";
import { handleErrors } from "../../http/handle_errors.ts";
import { serveLocalFiles } from "../../http/serve_local_files.ts";
import { describeUrlSignerConformance } from "../_url_signer_conformance.ts";
import { LocalUrlSigner } from "./local_url_signer.ts";

describeUrlSignerConformance("local", async () => {
  const root = mkdtempSync(join(tmpdir(), "taskdl-local-"));
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const signer = new LocalUrlSigner(root, {
    baseUrl,
    keys: [{ kid: "c1", key: "conformance-key-of-at-least-32-bytes!" }],
  });
  const app = new Koa();
  const router = new Router();
  router.get("/files/*key", serveLocalFiles(signer));
  app.use(handleErrors(pino({ level: "silent" })));
  app.use(router.routes());
  server.on("request", app.callback());
  return {
    signer,
    putObject: async (key, content) => {
      mkdirSync(dirname(join(root, key)), { recursive: true });
      writeFileSync(join(root, key), content);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      rmSync(root, { recursive: true, force: true });
    },
  };
});
