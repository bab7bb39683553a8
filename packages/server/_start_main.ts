import { type ChildProcess, spawn } from "node:child_process";
import { serviceArgs } from "@taskdl/testing";

/** `main.ts` running in a child process, and what it has printed so far. */
export interface MainProcess {
  /** The process. */
  child: ChildProcess;
  /** Everything it printed, stdout and stderr together. */
  output(): string;
  /** Its exit code, once it has exited. */
  exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/**
 * Starts `main.ts` as `npm start` does (the root start script's node flags),
 * in the environment a new user has: no `DATABASE_URL`, nothing else but what
 * the test gives. For the tests of `main.ts` only.
 */
export function startMain(env: Record<string, string>, options: { root?: string; cwd?: string } = {}): MainProcess {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, serviceArgs(options.root), {
    env: { ...inherited, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  let text = "";
  child.stdout?.on("data", (chunk) => (text += chunk));
  child.stderr?.on("data", (chunk) => (text += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  // A test that fails before stopping it must not leave it (and its PostgreSQL) running.
  running.add(child);
  child.once("exit", () => running.delete(child));
  return { child, output: () => text, exited };
}

/** Waits until the process has printed something matching `pattern`; fails with its output if it exits first. */
export async function waitForOutput(main: MainProcess, pattern: RegExp, ms = 90_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const match = pattern.exec(main.output());
    if (match !== null) return match;
    if (main.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`did not print ${pattern}:\n${main.output()}`);
}

/** The banner's demo curl: the token and the URL it calls. */
export const DEMO_CURL = /curl -s -H "Authorization: Bearer ([^"]+)" \\\n\s+"([^"]+)"/;
