import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/**
 * Keeps count of each connection's requests in flight, so that a shutdown
 * can drain the server gracefully: stop accepting, close idle keep-alive
 * connections, end each busy one as soon as its last answer has been
 * flushed, and cut whatever is left at the deadline.
 *
 * @example
 * ```ts
 * const drain = new DrainableServer(server);
 * // … on SIGTERM:
 * await drain.close(10_000);
 * ```
 */
export class DrainableServer {
  readonly server: Server;
  #active = new Map<Socket, number>();
  #idle = new Set<Socket>();
  #draining = false;

  /**
   * @param server The HTTP server; its requests are counted from now on.
   */
  constructor(server: Server) {
    this.server = server;
    server.on("connection", (socket: Socket) => {
      this.#idle.add(socket);
      socket.once("close", () => {
        this.#idle.delete(socket);
        this.#active.delete(socket);
      });
    });
    server.prependListener("request", (req: IncomingMessage, res: ServerResponse) => {
      const socket = req.socket;
      // While draining, answers close their connection, so keep-alive clients move to another replica.
      if (this.#draining) res.shouldKeepAlive = false;
      this.#idle.delete(socket);
      this.#active.set(socket, (this.#active.get(socket) ?? 0) + 1);
      res.once("close", () => {
        const left = (this.#active.get(socket) ?? 1) - 1;
        if (left > 0) {
          this.#active.set(socket, left);
          return;
        }
        this.#active.delete(socket);
        // end(), not destroy(): the answer's last bytes may still be waiting to be written.
        if (this.#draining) socket.end();
        else this.#idle.add(socket);
      });
    });
  }

  /** Requests being answered now. */
  get inFlight(): number {
    let total = 0;
    for (const count of this.#active.values()) total += count;
    return total;
  }

  /** Whether a drain has begun. */
  get draining(): boolean {
    return this.#draining;
  }

  /**
   * Stops accepting, lets requests in flight finish, and destroys what is
   * still open at the deadline.
   *
   * @param timeoutMs The deadline, in ms.
   */
  close(timeoutMs: number): Promise<void> {
    this.#draining = true;
    return new Promise((resolve) => {
      const deadline = setTimeout(() => this.server.closeAllConnections(), timeoutMs);
      this.server.close(() => {
        clearTimeout(deadline);
        resolve();
      });
      for (const socket of this.#idle) socket.end();
    });
  }
}
