import type { Server } from "node:http";
import { StartupError } from "./startup_error.ts";

/**
 * Listens on a port, turning the failures an operator can fix — a port that
 * is taken, a port this user may not open, an address that is not this
 * machine's — into a {@linkcode StartupError} that says which and how.
 *
 * @param server The HTTP server.
 * @param port The port (`PORT`; 0 picks a free one).
 * @param host The address (`HOST`).
 * @throws {StartupError} For a taken or forbidden port, or a foreign address.
 *
 * @example
 * ```ts
 * await listen(createServer(handler), 3000, "127.0.0.1");
 * ```
 */
export async function listen(server: Server, port: number, host: string): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const where = `${hostForUrl(host)}:${port}`;
    if (code === "EADDRINUSE") {
      throw new StartupError(
        `Cannot listen on ${where}: another program already uses port ${port}. ` +
          `Stop it, or set PORT to a free port (PORT=${port === 65535 ? 3001 : port + 1} npm start; PORT=0 picks one)`,
        { cause: error },
      );
    }
    if (code === "EACCES") {
      throw new StartupError(
        `Cannot listen on ${where}: this user may not open port ${port}. Set PORT to a port above 1023`,
        { cause: error },
      );
    }
    if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND" || code === "EAI_AGAIN") {
      throw new StartupError(
        `Cannot listen on ${where}: ${host} is not an address of this machine. ` +
          "Set HOST to one of its addresses (127.0.0.1, or 0.0.0.0 for every interface)",
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * A listening address as it goes into a URL: the wildcard addresses as
 * `localhost`, IPv6 in brackets.
 *
 * @param host The address (`HOST`).
 * @returns The URL's host.
 *
 * @example
 * ```ts
 * hostForUrl("::1"); // "[::1]"
 * ```
 */
export function hostForUrl(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "localhost";
  return host.includes(":") ? `[${host}]` : host;
}
