/**
 * The `azure` storage adapter: blob SAS URLs on Azure Blob Storage
 * ({@linkcode AzureBlobUrlSigner}). Needs `@azure/storage-blob` (an optional
 * peer dependency of `@taskdl/storage`).
 *
 * @example
 * ```ts
 * import { azureSettings } from "@taskdl/storage";
 * import { AzureBlobUrlSigner } from "@taskdl/storage/azure";
 * const signer = new AzureBlobUrlSigner(
 *   azureSettings({ AZURE_STORAGE_CONNECTION_STRING: "…;AccountKey=…", AZURE_STORAGE_CONTAINER: "outputs" }),
 * );
 * ```
 *
 * @module
 */
export { AzureBlobUrlSigner } from "./azure_blob_url_signer.ts";
