import type { DownloadUrlResp } from "@taskdl/contract";
import { share } from "./hot_answers.ts";

/** What an answer is made from: a task's record, compared by identity (structurally typed here, so hot/ needs no tasks/). */
export interface AnsweredRecord {
  /** The task id. */
  readonly id: string;
  /** Its outputs, as many as the answer's links. */
  readonly outputs: readonly unknown[];
}

/**
 * Answers already signed in the current second. A link depends only on the
 * task's record and the expiry second, so every request for the same cached
 * task and the same `expiresAt` within a second gets the same answer: a hot
 * task of 1,000 outputs is signed once a second instead of once a request.
 * An answer is reused only for the very record object it was made from (a
 * task replaced since is a new object), and everything is forgotten when the
 * second turns, so memory stays bounded by `capacity` outputs. Tasks with
 * fewer than `minOutputs` outputs are not kept: signing two links costs a
 * few microseconds, less than keeping the answer a second costs the garbage
 * collector (kept answers outlive the young generation). Measured with
 * `npm run bench -- --scenarios 1 --before DIR`: keeping a small task's
 * answer from its second request of the second on ran 1.11–1.15x on 2,000
 * tasks but 0.92x on 10,000, and raised the peak RSS from 192 to 271 MB
 * (the kept answers are promoted to the old generation); keeping every
 * answer at once: 1.37x and 0.79x.
 *
 * @example
 * ```ts
 * const answers = new SignedAnswers({ capacity: 100_000 });
 * const answer = answers.get(record, exp) ?? answers.set(record, exp, sign(record, exp));
 * ```
 */
export class SignedAnswers {
  #second = -1;
  #weight = 0;
  #entries = new Map<string, { record: AnsweredRecord; answer: DownloadUrlResp }>();
  #capacity: number;
  #minOutputs: number;
  #now: () => number;

  /**
   * @param options How many outputs' worth of answers one second may keep; the fewest outputs worth keeping
   *   (8 by default); the clock.
   */
  constructor(options: { capacity: number; minOutputs?: number; now?: () => number }) {
    this.#capacity = options.capacity;
    this.#minOutputs = options.minOutputs ?? 8;
    this.#now = options.now ?? Date.now;
  }

  /**
   * The answer made this second for this record and expiry, if any.
   *
   * @param record The task record (compared by identity).
   * @param expiresAtSeconds The expiry, in Unix seconds.
   * @returns The answer, or `undefined`.
   */
  get(record: AnsweredRecord, expiresAtSeconds: number): DownloadUrlResp | undefined {
    this.#turn();
    const entry = this.#entries.get(`${record.id}\u0000${expiresAtSeconds}`);
    return entry?.record === record ? entry.answer : undefined;
  }

  /**
   * Keeps an answer for the rest of this second, if it fits.
   *
   * @param record The task record it was made from.
   * @param expiresAtSeconds The expiry, in Unix seconds.
   * @param answer The answer.
   * @returns The answer.
   */
  set(record: AnsweredRecord, expiresAtSeconds: number, answer: DownloadUrlResp): DownloadUrlResp {
    this.#turn();
    const weight = 1 + record.outputs.length;
    if (record.outputs.length >= this.#minOutputs && this.#weight + weight <= this.#capacity) {
      // Shared by requests (hot_answers.ts): checked and serialised once.
      this.#entries.set(`${record.id}\u0000${expiresAtSeconds}`, { record, answer: share(answer) });
      this.#weight += weight;
    }
    return answer;
  }

  #turn(): void {
    const second = Math.floor(this.#now() / 1000);
    if (second === this.#second) return;
    this.#second = second;
    this.#entries.clear();
    this.#weight = 0;
  }
}
