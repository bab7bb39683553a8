import type { FileResult } from "./download_file.ts";
import { formatBytes } from "./format_bytes.ts";

/**
 * How progress is shown: `bars` (a terminal: a line per active file and a
 * total line, redrawn in place), `lines` (not a terminal: a plain line per
 * finished file, no carriage returns or escape sequences), `quiet` (only
 * failures and the summary).
 */
export type ProgressMode = "bars" | "lines" | "quiet";

/** Where progress goes: stderr, with what the terminal says of itself. */
export interface ProgressStream {
  write(text: string): unknown;
  columns?: number | undefined;
}

/** Options of {@linkcode Progress}. */
export interface ProgressOptions {
  /** How to show it. */
  mode: ProgressMode;
  /** The bytes and files of the whole pull. */
  totalBytes: number;
  fileCount: number;
  /** Removes secrets from every line (see `redact`). */
  redact: (text: string) => string;
  /** How often bars are redrawn. Defaults to 100 ms. */
  intervalMs?: number;
}

interface Active {
  size: number;
  done: number;
  startedAt: number;
  receivedThisRun: number;
}

const RESET_LINE = "\r\u001b[2K";

function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return "--:--";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

/**
 * The progress of a pull on stderr. On a terminal, a line per active file
 * (name, bytes, %, speed, ETA) and a total line, redrawn in place; off a
 * terminal, plain lines only. Every line passes through `redact`.
 *
 * @example
 * ```ts
 * const progress = new Progress(process.stderr, { mode: "bars", totalBytes, fileCount, redact });
 * progress.start("a.tif", 100, 0);
 * progress.advance("a.tif", 50);
 * progress.finish(result);
 * progress.close();
 * ```
 */
export class Progress {
  #stream: ProgressStream;
  #options: ProgressOptions;
  #active = new Map<string, Active>();
  #drawn = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #startedAt = Date.now();
  #received = 0;
  #doneBytes = 0;
  #finished = 0;

  /**
   * Starts showing progress.
   *
   * @param stream Where to write (stderr).
   * @param options The mode, totals and redaction.
   */
  constructor(stream: ProgressStream, options: ProgressOptions) {
    this.#stream = stream;
    this.#options = options;
    if (options.mode === "bars") {
      this.#timer = setInterval(() => this.#draw(), options.intervalMs ?? 100);
      this.#timer.unref();
    }
  }

  /** A file starts, with `done` bytes already on disk from an earlier run. */
  start(fileName: string, size: number, done: number): void {
    this.#active.set(fileName, { size, done, startedAt: Date.now(), receivedThisRun: 0 });
    this.#doneBytes += done;
    this.#draw();
  }

  /** Bytes of a file arrived. */
  advance(fileName: string, bytes: number): void {
    const active = this.#active.get(fileName);
    if (active !== undefined) {
      active.done += bytes;
      active.receivedThisRun += bytes;
    }
    this.#received += bytes;
    this.#doneBytes += bytes;
  }

  /** A file ended: a plain line for it (failures always, others unless quiet). */
  finish(result: FileResult): void {
    const active = this.#active.get(result.fileName);
    this.#active.delete(result.fileName);
    this.#finished++;
    // Count a skipped file's bytes as done, and take back what a failed one had counted.
    if (active === undefined && result.status !== "failed") this.#doneBytes += result.size;
    if (active !== undefined && result.status === "failed") this.#doneBytes -= active.done;
    const line =
      result.status === "failed"
        ? `failed    ${result.fileName}: ${result.error ?? "unknown error"}`
        : `${result.status.padEnd(9)} ${result.fileName} (${formatBytes(result.size)}${result.bytesTransferred === 0 ? "" : `, ${formatBytes(result.bytesTransferred)} transferred`})`;
    if (this.#options.mode !== "quiet" || result.status === "failed") this.line(line);
  }

  /** A message of its own line (a retry, a refused name). */
  note(message: string): void {
    if (this.#options.mode !== "quiet") this.line(message);
  }

  /** Writes a plain line above the bars. */
  line(text: string): void {
    this.#clear();
    this.#stream.write(`${this.#options.redact(text)}\n`);
    this.#draw();
  }

  /** Stops redrawing and removes the bars. */
  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#clear();
  }

  #clear(): void {
    if (this.#drawn === 0) return;
    // Up to the first bar line, then clear to the end of the screen.
    this.#stream.write(`${this.#drawn > 1 ? `\u001b[${this.#drawn - 1}A` : ""}${RESET_LINE}\u001b[J`);
    this.#drawn = 0;
  }

  #draw(): void {
    if (this.#options.mode !== "bars" || this.#timer === undefined) return;
    // A pseudo-terminal may say 0 columns: take 80 then.
    const width = Math.max(40, (this.#stream.columns || 80) - 1);
    const now = Date.now();
    const lines: string[] = [];
    for (const [name, active] of this.#active) {
      const seconds = (now - active.startedAt) / 1000;
      const speed = seconds > 0 ? active.receivedThisRun / seconds : 0;
      lines.push(this.#bar(name, active.done, active.size, speed, width));
    }
    const elapsed = (now - this.#startedAt) / 1000;
    const speed = elapsed > 0 ? this.#received / elapsed : 0;
    const total = this.#bar(
      `total (${this.#finished}/${this.#options.fileCount} files)`,
      this.#doneBytes,
      this.#options.totalBytes,
      speed,
      width,
    );
    lines.push(total);
    const text = lines.map((line) => `${RESET_LINE}${this.#options.redact(line)}`).join("\n");
    this.#clear();
    this.#stream.write(text);
    this.#drawn = lines.length;
  }

  #bar(label: string, done: number, size: number, speed: number, width: number): string {
    const fraction = size === 0 ? 1 : Math.min(1, done / size);
    const eta = speed > 0 ? (size - done) / speed : Number.POSITIVE_INFINITY;
    const figures = ` ${formatBytes(done)}/${formatBytes(size)} ${String(Math.floor(fraction * 100)).padStart(3)}% ${formatBytes(speed)}/s ETA ${clock(eta)}`;
    const barWidth = 20;
    const filled = Math.round(fraction * barWidth);
    const bar = ` [${"#".repeat(filled)}${"-".repeat(barWidth - filled)}]`;
    const room = Math.max(8, width - figures.length - bar.length);
    const chars = [...label];
    const name = chars.length > room ? `${chars.slice(0, room - 1).join("")}…` : label.padEnd(room);
    return `${name}${bar}${figures}`;
  }
}
