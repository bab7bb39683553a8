import type { Server } from "node:http";
import type { Duplex } from "node:stream";
import { errorBody } from "../envelope/error_envelope.ts";
import { MESSAGES } from "../envelope/messages.ts";

/**
 * Requests Node's HTTP parser refuses before the application sees them
 * (a header block over the size limit, a NUL or space in the request line,
 * a malformed header) are answered with the same JSON envelope as every
 * other error, instead of Node's bare status line, and the socket closed.
 *
 * @param server The HTTP server.
 *
 * @example
 * ```ts
 * answerClientErrors(createServer(handler));
 * ```
 */
export function answerClientErrors(server: Server): void {
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || error.code === "ECONNRESET") {
      socket.destroy();
      return;
    }
    const [status, message] =
      error.code === "HPE_HEADER_OVERFLOW"
        ? [431, MESSAGES.headerTooLarge]
        : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
          ? [408, MESSAGES.requestTimeout]
          : [400, MESSAGES.malformedRequest];
    const body = errorBody(status, message);
    socket.end(
      `HTTP/1.1 ${status} ${message.split(":")[0]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  });
}
