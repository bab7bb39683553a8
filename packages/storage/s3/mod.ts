/**
 * The `s3` storage adapter: presigned `GetObject` URLs on AWS S3 or any
 * S3-compatible store ({@linkcode S3UrlSigner}). Needs the AWS SDK packages
 * `@aws-sdk/client-s3`, `@aws-sdk/s3-request-presigner`, `@aws-sdk/core` and
 * `@smithy/core` (optional peer dependencies of `@taskdl/storage`).
 *
 * @example
 * ```ts
 * import { s3Settings } from "@taskdl/storage";
 * import { S3UrlSigner } from "@taskdl/storage/s3";
 * const signer = new S3UrlSigner(s3Settings({ S3_BUCKET: "outputs", S3_REGION: "eu-west-1" }));
 * ```
 *
 * @module
 */
export { fullObjectSha256 } from "./full_object_sha256.ts";
export { S3UrlSigner } from "./s3_url_signer.ts";
