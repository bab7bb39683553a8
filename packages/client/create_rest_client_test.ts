import { describeClientCases } from "./_client_cases.ts";
import { createRestClient } from "./create_rest_client.ts";

describeClientCases("REST", createRestClient);
