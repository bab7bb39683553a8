import type { DownloadUrlResp, DownloadUrlVo } from "@taskdl/contract";

/** A file's link as handed out by {@linkcode LinkSource}. */
export interface Link {
  /** The file as the latest answer lists it. */
  file: DownloadUrlVo;
  /** Which answer it came from: pass it to `refresh` when the link is refused. */
  generation: number;
}

/**
 * The task's links, re-minted instead of reused stale: a link whose
 * `expiresAt` has passed is never handed out, and a link a store refused
 * (403, 410) is replaced by asking the API again. Parallel downloads that
 * find their links stale at once share one request to the API.
 *
 * @example
 * ```ts
 * const links = new LinkSource(() => api.getDownloadUrls("12345"), first);
 * const { file, generation } = await links.link("ndvi_result.tif");
 * // …the store answered 410:
 * await links.refresh(generation);
 * ```
 */
export class LinkSource {
  #mint: () => Promise<DownloadUrlResp>;
  #answer: DownloadUrlResp;
  #generation = 0;
  #pending: Promise<void> | undefined;
  /** How many times the links were minted again. */
  refreshes = 0;

  /**
   * Starts from an answer already in hand.
   *
   * @param mint Asks the API for fresh links.
   * @param first The first answer.
   */
  constructor(mint: () => Promise<DownloadUrlResp>, first: DownloadUrlResp) {
    this.#mint = mint;
    this.#answer = first;
  }

  /**
   * The current link of a file, minted anew first when the links have expired.
   *
   * @param fileName The file.
   * @returns The link, or `undefined` when the task no longer lists the file.
   */
  async link(fileName: string): Promise<Link | undefined> {
    if (this.#expired()) await this.refresh(this.#generation);
    const file = this.#answer.downloadUrls.find((candidate) => candidate.fileName === fileName);
    return file === undefined ? undefined : { file, generation: this.#generation };
  }

  /**
   * Mints the links again, unless that already happened since `generation`.
   *
   * @param generation The generation of the link that was refused.
   */
  async refresh(generation: number): Promise<void> {
    while (this.#pending !== undefined) await this.#pending;
    if (generation < this.#generation) return;
    this.#pending = (async () => {
      try {
        this.#answer = await this.#mint();
        this.#generation++;
        this.refreshes++;
      } finally {
        this.#pending = undefined;
      }
    })();
    await this.#pending;
  }

  #expired(): boolean {
    const first = this.#answer.downloadUrls[0];
    return first !== undefined && Date.now() >= Date.parse(first.expiresAt);
  }
}
