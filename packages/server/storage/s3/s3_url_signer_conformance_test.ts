import { describeUrlSignerConformance } from "../_url_signer_conformance.ts";
import { loadConfig } from "../../config/load_config.ts";
import { startS3Emulator } from "../../testing/start_s3_emulator.ts";
import { S3UrlSigner } from "./s3_url_signer.ts";

describeUrlSignerConformance(
  "s3",
  async () => {
    const store = await startS3Emulator({ bucket: "conformance" });
    const { storage } = loadConfig({ JWT_SECRET: "x".repeat(32), ...store.env });
    if (storage.driver !== "s3") throw new Error("the emulator's variables select the s3 driver");
    return { signer: new S3UrlSigner(storage), putObject: store.putObject, close: store.close };
  },
  {
    skip: {
      "refuses a link without its signature":
        "s3rver serves unsigned requests (it has no bucket policies); real S3 refuses them on a private bucket. " +
        "s3_url_signer_test.ts checks the signature against an independent SigV4 computation instead",
    },
  },
);
