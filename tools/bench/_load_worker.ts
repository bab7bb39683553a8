import { ROUTES, routePath } from "@taskdl/contract";
/**
 * The load side of `fault_load.ts`, in a process of its own: readers and
 * writers hammer the service on loopback, each answer is tagged with the
 * phase the parent last announced, and on `stop` the worker sends back what
 * it saw. Not meant to be run by hand.
 *
 * @module
 */
interface Setup {
  url: string;
  readToken: string;
  writeToken: string;
  readers: number;
  writers: number;
}

/** One answer the worker saw. */
export interface Sample {
  phase: string;
  kind: "read" | "write";
  status: number | "error";
  startedAt: number;
  ms: number;
  taskId?: string;
  /** The start of a 5xx answer's body: who answered it (a proxy's page, or the service's envelope). */
  detail?: string;
}

let phase = "warm-up";
let running = true;
const samples: Sample[] = [];
const acknowledged: string[] = [];

async function timed(
  kind: Sample["kind"],
  request: () => Promise<Response>,
  taskId?: string,
): Promise<number | "error"> {
  const startedAt = performance.now();
  const tagged = phase;
  let status: number | "error";
  let detail: string | undefined;
  try {
    const res = await request();
    const body = await res.text();
    status = res.status;
    if (status >= 500) detail = body.replace(/\s+/g, " ").slice(0, 100);
  } catch {
    status = "error";
  }
  samples.push({
    phase: tagged,
    kind,
    status,
    startedAt,
    ms: performance.now() - startedAt,
    ...(taskId === undefined ? {} : { taskId }),
    ...(detail === undefined ? {} : { detail }),
  });
  return status;
}

async function reader(setup: Setup): Promise<void> {
  while (running) {
    await timed("read", () =>
      fetch(`${setup.url}${ROUTES.getDownloadUrl.path}?taskId=load-seed`, {
        headers: { Authorization: `Bearer ${setup.readToken}` },
        signal: AbortSignal.timeout(15_000),
      }),
    );
  }
}

async function writer(setup: Setup, id: number): Promise<void> {
  for (let n = 0; running; n++) {
    const taskId = `load-w${id}-${n}`;
    const status = await timed(
      "write",
      () =>
        fetch(`${setup.url}${routePath(ROUTES.putTask, { taskId })}`, {
          method: "PUT",
          headers: { Authorization: `Bearer ${setup.writeToken}`, "Content-Type": "application/json" },
          body: JSON.stringify({
            ownerId: "load",
            status: "SUCCEEDED",
            outputs: [0, 1, 2].map((i) => ({ fileName: `${i}.bin`, storageKey: `load/${i}.bin` })),
          }),
          signal: AbortSignal.timeout(15_000),
        }),
      taskId,
    );
    if (status === 200) acknowledged.push(taskId);
  }
}

let loops: Promise<void>[] = [];

process.on(
  "message",
  async (message: { type: "start"; setup: Setup } | { type: "phase"; phase: string } | { type: "stop" }) => {
    if (message.type === "phase") phase = message.phase;
    if (message.type === "start") {
      const { setup } = message;
      loops = [
        ...Array.from({ length: setup.readers }, () => reader(setup)),
        ...Array.from({ length: setup.writers }, (_, i) => writer(setup, i)),
      ];
    }
    if (message.type === "stop") {
      running = false;
      await Promise.all(loops);
      process.send?.({ samples, acknowledged, origin: performance.timeOrigin }, () => process.exit(0));
    }
  },
);
