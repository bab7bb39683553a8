import { startAzureEmulator } from "@taskdl/testing";
import { describeUrlSignerConformance } from "../testing/url_signer_conformance.ts";
import { AzureBlobUrlSigner } from "./azure_blob_url_signer.ts";
import { azureSettings } from "./azure_settings.ts";

describeUrlSignerConformance("azure", async () => {
  const store = await startAzureEmulator({ container: "conformance" });
  return { signer: new AzureBlobUrlSigner(azureSettings(store.env)), putObject: store.putObject, close: store.close };
});
