import { describeUrlSignerConformance } from "../_url_signer_conformance.ts";
import { loadConfig } from "../../config/load_config.ts";
import { startAzureEmulator } from "../../testing/start_azure_emulator.ts";
import { AzureBlobUrlSigner } from "./azure_blob_url_signer.ts";

describeUrlSignerConformance("azure", async () => {
  const store = await startAzureEmulator({ container: "conformance" });
  const { storage } = loadConfig({ JWT_SECRET: "x".repeat(32), ...store.env });
  if (storage.driver !== "azure") throw new Error("the emulator's variables select the azure driver");
  return { signer: new AzureBlobUrlSigner(storage), putObject: store.putObject, close: store.close };
});
