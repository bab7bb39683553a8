import { z } from "zod";

/** The pattern of a SHA-256 digest as the contract writes it: 64 lowercase hex digits. */
export const SHA256_PATTERN: RegExp = /^[0-9a-f]{64}$/;

/**
 * An instant as the contract writes it: RFC 3339 in UTC with second
 * precision and a `Z` (`2024-01-01T11:00:00Z`).
 */
export const UtcSeconds: z.ZodISODateTime = z.iso.datetime({ precision: 0 }).meta({
  description: "RFC 3339 timestamp in UTC with second precision",
  example: "2024-01-01T11:00:00Z",
});

/**
 * One output file of a task with its temporary download URL.
 * `contentType` and `sha256` are additive fields that clients may ignore.
 *
 * @example
 * ```ts
 * import { DownloadUrlVo } from "@taskdl/contract";
 * DownloadUrlVo.parse({
 *   fileName: "ndvi_result.tif",
 *   downloadUrl: "https://example.com/download/ndvi_result.tif?token=abc",
 *   fileSize: 512000,
 *   expiresAt: "2024-01-01T11:00:00Z",
 * });
 * ```
 */
export const DownloadUrlVo: z.ZodObject<
  {
    fileName: z.ZodString;
    downloadUrl: z.ZodURL;
    fileSize: z.ZodInt;
    expiresAt: typeof UtcSeconds;
    contentType: z.ZodOptional<z.ZodString>;
    sha256: z.ZodOptional<z.ZodString>;
  },
  z.core.$loose
> = z
  .looseObject({
    fileName: z.string().min(1).meta({ description: "File name", example: "ndvi_result.tif" }),
    downloadUrl: z.url({ protocol: /^https?$/ }).meta({
      description: "Temporary, signed download URL; a bearer credential until it expires",
      example: "https://example.com/download/ndvi_result.tif?token=...",
    }),
    fileSize: z.int().min(0).meta({ description: "File size in bytes", example: 512000 }),
    expiresAt: UtcSeconds.meta({
      description: "URL expiration timestamp: the instant after which the URL stops working",
      example: "2024-01-01T11:00:00Z",
    }),
    contentType: z.string().min(1).optional().meta({
      description: "Media type of the file, where known",
      example: "image/tiff",
    }),
    sha256: z.string().regex(SHA256_PATTERN).optional().meta({
      description: "SHA-256 of the file in lowercase hex, where known",
      example: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    }),
  })
  .meta({ id: "DownloadUrlVo", description: "A download URL for one output file" });

/** One output file of a task with its temporary download URL. */
export type DownloadUrlVo = z.infer<typeof DownloadUrlVo>;
