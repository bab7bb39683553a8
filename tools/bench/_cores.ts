/**
 * Which core each part of a benchmark runs on: the servers on core 0, the
 * load (autocannon, curl) and PostgreSQL on core 1, so the servers measured
 * have a core to themselves. On a one-core machine nothing is pinned.
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { cpus } from "node:os";

/** Whether there are two cores to pin to. */
export const twoCores = cpus().length >= 2;

const CORE = { server: 0, load: 1 } as const;

/** The command and arguments that run `command` on the given part's core (`taskset -c`; it execs, so the pid is the command's). */
export function pin(part: keyof typeof CORE, command: string[]): [string, string[]] {
  return twoCores ? ["taskset", ["-c", String(CORE[part]), ...command]] : [command[0] as string, command.slice(1)];
}

/** Moves a running process and its children (PostgreSQL's postmaster and backends) to the given part's core. */
export function pinRunning(part: keyof typeof CORE, pid: number): void {
  if (!twoCores) return;
  const children = execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  // New backends inherit the postmaster's affinity.
  for (const each of [String(pid), ...children])
    execFileSync("taskset", ["-a", "-p", "-c", String(CORE[part]), each], { stdio: "ignore" });
}

/** The line the benchmarks print about the machine. */
export function machineLine(): string {
  const cpu = cpus();
  return `machine: ${cpu[0]?.model ?? "unknown CPU"} (${cpu.length} cores), Node ${process.version}; servers on core 0, load and PostgreSQL on core ${twoCores ? 1 : "0 (one core only)"}`;
}
