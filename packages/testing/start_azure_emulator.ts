import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { BlobServiceClient } from "@azure/storage-blob";
import type { TestStore } from "./start_test_server.ts";

/** Azurite's well-known development account (public, documented by Microsoft). */
export const AZURITE_ACCOUNT = {
  name: "devstoreaccount1",
  key: "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
};

/** Options of {@linkcode startAzureEmulator}. */
export interface StartAzureEmulatorOptions {
  /** The container to create (`taskdl-test`). */
  container?: string;
}

/**
 * Starts Azurite, Microsoft's Azure Storage emulator from npm, as a child
 * process with its blob service on a free loopback port and its data in a
 * temporary folder (it verifies SAS signatures, permissions and expiry),
 * creates one container, and returns the variables that point the
 * service's `azure` driver at it.
 *
 * @param options The container's name.
 * @returns The store: its variables, an upload function, and `close`.
 *
 * @example
 * ```ts
 * const azure = await startAzureEmulator();
 * const server = await startTestServer({}, { store: azure });
 * ```
 */
export async function startAzureEmulator(options: StartAzureEmulatorOptions = {}): Promise<TestStore> {
  const { container = "taskdl-test" } = options;
  const location = mkdtempSync(join(tmpdir(), "taskdl-azurite-"));
  const main = join(dirname(createRequire(import.meta.url).resolve("azurite/package.json")), "dist/src/blob/main.js");
  const child = spawn(
    process.execPath,
    [main, "--blobHost", "127.0.0.1", "--blobPort", "0", "--location", location, "--silent", "--skipApiVersionCheck"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let endpoint: string;
  try {
    endpoint = await listeningUrl(child);
  } catch (error) {
    child.kill();
    rmSync(location, { recursive: true, force: true });
    throw error;
  }
  const connectionString = [
    "DefaultEndpointsProtocol=http",
    `AccountName=${AZURITE_ACCOUNT.name}`,
    `AccountKey=${AZURITE_ACCOUNT.key}`,
    `BlobEndpoint=${endpoint}/${AZURITE_ACCOUNT.name}`,
  ].join(";");
  const containerClient = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(container);
  await containerClient.createIfNotExists();
  return {
    env: {
      STORAGE_DRIVER: "azure",
      AZURE_STORAGE_CONNECTION_STRING: connectionString,
      AZURE_STORAGE_CONTAINER: container,
    },
    putObject: async (key, content) => {
      await containerClient
        .getBlockBlobClient(key)
        .uploadData(typeof content === "string" ? Buffer.from(content) : content);
    },
    deleteObject: async (key) => {
      await containerClient.getBlockBlobClient(key).deleteIfExists();
    },
    close: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        // Azurite waits for idle keep-alive sockets of every client before it exits; its data is thrown away anyway.
        child.kill("SIGKILL");
        await exited;
      }
      rmSync(location, { recursive: true, force: true });
    },
  };
}

// Azurite prints "Azurite Blob service successfully listens on http://127.0.0.1:PORT".
function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`Azurite did not start in 30 s: ${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = /listens on (http:\/\/[^\s]+)/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(match[1].replace(/\/+$/, ""));
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited with code ${code}: ${output}`));
    });
  });
}
