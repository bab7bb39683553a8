/**
 * Alternating rounds and the table of `api_bench.ts`: each side of a
 * comparison gets a warm-up, then the sides take turns round by round, so a
 * machine that drifts (these are shared) drifts for all of them alike.
 * Medians of the rounds; ratios of medians.
 *
 * @module
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { pin } from "./_cores.ts";

const WORKER = fileURLToPath(new URL("./_autocannon_worker.ts", import.meta.url));

/** One load run's figures, as the autocannon worker prints them. */
export interface Run {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  statuses: Record<string, number>;
}

/** One round of one side: the load's figures and the server's CPU time per answer. */
export interface Round extends Run {
  /** The server process's CPU time (user and system) over the round, per answer, in µs. */
  cpuUs: number;
}

/** One side of a comparison: a server and the requests it gets. */
export interface Side {
  label: string;
  url: string;
  /** The server's process, for its peak RSS and CPU time. */
  child: ChildProcess;
  /** Paths to spread the load over, each with the token to send. */
  targets: [path: string, token: string][];
}

/** How long and how hard each load run is. */
export interface LoadShape {
  seconds: number;
  warmup: number;
  rounds: number;
  connections: number;
  /** A folder for the load job's file. */
  dir: string;
}

/** Runs autocannon (in a process of its own, on the load core) against one server. */
export function load(url: string, targets: [string, string][], seconds: number, shape: LoadShape): Promise<Run> {
  // Through a file: thousands of tokens do not fit in argv.
  const job = join(shape.dir, "load-job.json");
  writeFileSync(job, JSON.stringify({ url, seconds, connections: shape.connections, targets }));
  const [command, args] = pin("load", [process.execPath, WORKER, job]);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    // "close", not "exit": the exit can come before the last of stdout has been read from the pipe.
    child.once("close", (code) =>
      code === 0 ? resolve(JSON.parse(out) as Run) : reject(new Error(`load worker exited ${code}`)),
    );
  });
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** A process's high-water mark of resident memory so far, in MB (taskset execs, so the pid is the server's). */
export function peakRssMb(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
  return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

// Clock ticks a second, the unit of /proc/<pid>/stat's CPU times.
const TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout) || 100;

/** A process's CPU time so far, user and system, in µs (taskset execs, so the pid is the server's). */
export function cpuTimeUs(child: ChildProcess): number {
  // The fields after the command's name, which is in parentheses and may hold spaces: utime and stime are 12th and 13th.
  const fields = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ").at(-1)?.split(" ") ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICKS;
}

/** Load against one side, with the server's CPU time per answer over it. */
export async function measure(side: Side, seconds: number, shape: LoadShape): Promise<Round> {
  const before = cpuTimeUs(side.child);
  const run = await load(side.url, side.targets, seconds, shape);
  const answers = Object.values(run.statuses).reduce((n, count) => n + count, 0);
  return { ...run, cpuUs: answers > 0 ? (cpuTimeUs(side.child) - before) / answers : 0 };
}

/** The medians of one side's rounds, with its answers by status summed. */
export interface Summary extends Round {
  rssMb: number;
}

/** The printed table's columns, in order, with their headings: a row names the cells it fills. */
const COLUMNS = {
  scenario: "scenario",
  side: "side",
  rps: "req/s",
  p50: "p50 ms",
  p99: "p99 ms",
  cpu: "CPU µs/answer",
  rss: "peak RSS MB",
  notes: "answers",
} as const;
const LEFT: ReadonlySet<keyof typeof COLUMNS> = new Set(["scenario", "side", "notes"]);

/** One row of the table: its scenario and side, and whichever other cells it has. */
export type Cells = { scenario: string; side: string } & Partial<Record<keyof typeof COLUMNS, string>>;

/** The rows of the printed table, and the summaries the targets are read from. */
export class Table {
  readonly rows: Cells[] = [];

  /** Warm-up of each side, then `rounds` rounds in which the sides take turns; one row per side. */
  async compare(name: string, sides: Side[], shape: LoadShape): Promise<Map<string, Summary>> {
    // Long enough to ask for every target more than once: every side measured warm, caches and JIT alike.
    if (shape.warmup > 0) for (const side of sides) await load(side.url, side.targets, shape.warmup, shape);
    const runs = new Map<string, Round[]>(sides.map((side) => [side.label, []]));
    for (let round = 0; round < shape.rounds; round++) {
      for (const side of sides) {
        const run = await measure(side, shape.seconds, shape);
        runs.get(side.label)?.push(run);
        console.error(
          `  ${name} · round ${round + 1} · ${side.label}: ${Math.round(run.rps)} req/s, p99 ${run.p99} ms, CPU ${Math.round(run.cpuUs)} µs/answer`,
        );
      }
    }
    const summaries = new Map<string, Summary>();
    for (const side of sides) {
      const list = runs.get(side.label) ?? [];
      const statuses: Record<string, number> = {};
      for (const run of list)
        for (const [code, count] of Object.entries(run.statuses)) statuses[code] = (statuses[code] ?? 0) + count;
      const summary: Summary = {
        rps: median(list.map((r) => r.rps)),
        p50: median(list.map((r) => r.p50)),
        p99: median(list.map((r) => r.p99)),
        cpuUs: median(list.map((r) => r.cpuUs)),
        errors: list.reduce((n, r) => n + r.errors, 0),
        statuses,
        rssMb: peakRssMb(side.child),
      };
      summaries.set(side.label, summary);
      this.rows.push({
        scenario: name,
        side: side.label,
        rps: Math.round(summary.rps).toLocaleString("en"),
        p50: summary.p50.toFixed(1),
        p99: summary.p99.toFixed(1),
        cpu: Math.round(summary.cpuUs).toLocaleString("en"),
        rss: String(summary.rssMb),
        notes:
          Object.entries(statuses)
            .map(([c, n]) => `${c}:${n}`)
            .join(" ") + (summary.errors > 0 ? ` errors:${summary.errors}` : ""),
      });
    }
    return summaries;
  }

  /** A row of ratios `a/b` of req/s, p50, p99 and CPU time per answer, from a comparison's summaries; returns the raw ratios. */
  ratio(name: string, summaries: Map<string, Summary>, a: string, b: string): { rps: number; p99: number } {
    const [sa, sb] = [summaries.get(a), summaries.get(b)];
    if (sa === undefined || sb === undefined) throw new Error(`${name}: no side ${sa === undefined ? a : b}`);
    // autocannon's latencies are whole milliseconds: a 0 ms median has no ratio.
    const of = (x: number, y: number) => (y > 0 ? (x / y).toFixed(2) : "n/a");
    this.rows.push({
      scenario: name,
      side: `ratio ${a}/${b}`,
      rps: `${of(sa.rps, sb.rps)}x`,
      p50: of(sa.p50, sb.p50),
      p99: of(sa.p99, sb.p99),
      cpu: of(sa.cpuUs, sb.cpuUs),
    });
    return { rps: sa.rps / sb.rps, p99: sa.p99 / sb.p99 };
  }

  /** A row of figures other than a comparison's (downloads): the cells it names. */
  add(cells: Cells): void {
    this.rows.push(cells);
  }

  /** The table, under its headings, columns aligned. */
  print(): void {
    const keys = Object.keys(COLUMNS) as (keyof typeof COLUMNS)[];
    const rows: Cells[] = [COLUMNS, ...this.rows];
    const widths = new Map(keys.map((key) => [key, Math.max(...rows.map((row) => (row[key] ?? "").length))]));
    for (const row of rows) {
      const cells = keys.map((key) => {
        const [cell, width] = [row[key] ?? "", widths.get(key) ?? 0];
        return LEFT.has(key) ? cell.padEnd(width) : cell.padStart(width);
      });
      console.log(cells.join("  ").trimEnd());
    }
  }
}
