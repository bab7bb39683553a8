/**
 * The load side of `api_bench.ts`, in a process of its own (pinned to its
 * own core by the parent; the job comes as a JSON file): autocannon against one server, requests spread
 * over the scenario's task ids with each task's owner's token. Prints one
 * JSON line with req/s, latency percentiles and answers by status.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import autocannon from "autocannon";

interface Job {
  url: string;
  seconds: number;
  connections: number;
  /** Paths to spread the load over, each with the token to send. */
  targets: [path: string, token: string][];
}

const job = JSON.parse(readFileSync(process.argv[2] ?? "", "utf8")) as Job;
let next = 0;
const result = await autocannon({
  url: job.url,
  duration: job.seconds,
  connections: job.connections,
  requests: [
    {
      setupRequest: (request) => {
        const target = job.targets[next++ % job.targets.length] as [string, string];
        return { ...request, method: "GET", path: target[0], headers: { authorization: `Bearer ${target[1]}` } };
      },
    },
  ],
});
const statuses: Record<string, number> = {};
for (const [code, count] of Object.entries(result.statusCodeStats ?? {}))
  statuses[code] = (count as { count: number }).count;
process.stdout.write(
  `${JSON.stringify({
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    statuses,
  })}\n`,
);
