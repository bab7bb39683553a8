import type { Readable } from "node:stream";
import { type Span, SpanStatusCode, trace } from "@opentelemetry/api";
import type { ObjectStat, SignOptions, UrlSigner, WriteOptions } from "@taskdl/storage";

const tracer = trace.getTracer("taskdl");

/**
 * The storage adapter with a span per call — `storage.sign`, `storage.stat`,
 * `storage.write` — children of the request's span, with the driver as their
 * only attribute (no key, no file name, no URL). The stores' own HTTP calls
 * (S3, Azure) appear beneath them through the http instrumentation. Only
 * installed when traces are on; a synchronous `sign` stays synchronous.
 *
 * @param signer The adapter.
 * @returns The same adapter, traced.
 *
 * @example
 * ```ts
 * const signer = tracedSigner(await createUrlSigner(settings));
 * ```
 */
export function tracedSigner(signer: UrlSigner): UrlSigner {
  const { driver } = signer;
  const attributes = { "taskdl.storage.driver": driver };
  const failed = (span: Span, error: unknown) => {
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : "error" });
    span.end();
    throw error;
  };
  const traced = <T>(name: string, call: () => Promise<T>): Promise<T> =>
    tracer.startActiveSpan(name, { attributes }, (span) =>
      call().then(
        (result) => {
          span.end();
          return result;
        },
        (error: unknown) => failed(span, error),
      ),
    );
  return {
    driver,
    links: signer.links,
    sign(key: string, options: SignOptions): string | Promise<string> {
      return tracer.startActiveSpan("storage.sign", { attributes }, (span) => {
        let url: string | Promise<string>;
        try {
          url = signer.sign(key, options);
        } catch (error) {
          return failed(span, error);
        }
        if (typeof url === "string") {
          span.end();
          return url;
        }
        return url.then(
          (signed) => {
            span.end();
            return signed;
          },
          (error: unknown) => failed(span, error),
        );
      });
    },
    stat: (key: string): Promise<ObjectStat> => traced("storage.stat", () => signer.stat(key)),
    read: (key: string): Promise<Readable> => traced("storage.read", () => signer.read(key)),
    readRange: (key: string, offset: number, length: number): Promise<Uint8Array> =>
      traced("storage.readRange", () => signer.readRange(key, offset, length)),
    write: (key: string, body: Uint8Array | string, options?: WriteOptions): Promise<void> =>
      traced("storage.write", () => signer.write(key, body, options)),
  };
}
