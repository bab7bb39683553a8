/**
 * The download side of `api_bench.ts`: nginx (Debian's `nginx-light`)
 * serving a folder with `sendfile` on loopback, from a config written here,
 * and `curl` fetching a URL to `/dev/null` on the load core.
 *
 * @module
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pin } from "./_cores.ts";

/** Where Debian's nginx is, or `undefined` when it is not installed. */
export function findNginx(): string | undefined {
  for (const path of ["/usr/sbin/nginx", "/usr/bin/nginx"]) if (existsSync(path)) return path;
  const which = spawnSync("sh", ["-c", "command -v nginx"], { encoding: "utf8" });
  return which.status === 0 && which.stdout.trim() !== "" ? which.stdout.trim() : undefined;
}

/** Whether curl is on PATH. */
export function hasCurl(): boolean {
  return spawnSync("curl", ["--version"], { stdio: "ignore" }).status === 0;
}

/** Starts nginx on the server core, serving `root` on 127.0.0.1:`port`; resolves once it answers. */
export async function startNginx(nginx: string, dir: string, root: string, port: number): Promise<ChildProcess> {
  const prefix = join(dir, "nginx");
  mkdirSync(join(prefix, "tmp"), { recursive: true });
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
    .map((kind) => `${kind}_temp_path ${join(prefix, "tmp", kind)};`)
    .join(" ");
  const config = join(prefix, "nginx.conf");
  writeFileSync(
    config,
    `daemon off;
worker_processes 1;
pid ${join(prefix, "nginx.pid")};
error_log stderr warn;
events { worker_connections 64; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  ${temp}
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location = /.ready { return 204; }
  }
}
`,
  );
  const [command, args] = pin("server", [nginx, "-e", "stderr", "-p", prefix, "-c", config]);
  const child = spawn(command, args, { stdio: ["ignore", "ignore", "inherit"] });
  for (let i = 0; i < 100; i++) {
    // A path of its own: a GET of the root's folder is a 403 that nginx logs as an error.
    const res = await fetch(`http://127.0.0.1:${port}/.ready`).catch(() => undefined);
    await res?.arrayBuffer();
    if (res !== undefined) return child;
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill("SIGTERM");
  throw new Error(`nginx did not come up on port ${port}`);
}

/** One download with curl to /dev/null on the load core: bytes per second; a thrown error unless it was a 200 of `size` bytes. */
export function curlOnce(url: string, size: number): Promise<{ bytesPerSecond: number; bytes: number }> {
  const [command, args] = pin("load", [
    "curl",
    "-sS",
    "-o",
    "/dev/null",
    "-w",
    "%{http_code} %{speed_download} %{size_download}",
    url,
  ]);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    // "close", not "exit": the exit can come before curl's -w line has been read from the pipe.
    child.once("close", (code) => {
      const [status, speed, got] = out.trim().split(" ");
      if (code !== 0 || status !== "200" || Number(got) !== size)
        reject(new Error(`curl exited ${code}, HTTP ${status}, ${got} bytes of ${size}`));
      else resolve({ bytesPerSecond: Number(speed), bytes: Number(size) });
    });
  });
}

/** `count` downloads of `url` repeated back to back until `stop()`: the bytes they moved per second. */
export function downloadLoop(url: string, size: number, count: number): { stop(): Promise<number> } {
  let running = true;
  let bytes = 0;
  const started = performance.now();
  let failure: unknown;
  // A failed download ends every loop and is thrown by stop(); until then it must not be an unhandled rejection
  // (that ends the bench without its clean-up, leaving servers and PostgreSQL behind).
  const loops = Array.from({ length: count }, async () => {
    while (running) bytes += (await curlOnce(url, size)).bytes;
  }).map((loop) =>
    loop.catch((error) => {
      running = false;
      failure ??= error;
    }),
  );
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      if (failure !== undefined) throw failure;
      return bytes / ((performance.now() - started) / 1000);
    },
  };
}
