/** The parts of a zod issue the wording needs. */
export interface Issue {
  /** Where in the input. */
  path: readonly PropertyKey[];
  /** Zod's issue code. */
  code?: string;
  /** The contract's message (`is required`). */
  message: string;
  /** Unknown keys, for `unrecognized_keys`. */
  keys?: readonly string[];
}

/**
 * Words validation issues the way the API answers them: each issue as
 * `<field> <message>` (`taskId is required`, `outputs[1].storageKey must not
 * be empty`), unknown keys as `unknown parameter "foo"`, duplicates dropped,
 * joined by `; `.
 *
 * @param issues The issues of a failed parse.
 * @returns The detail after `Request parameter error: `.
 *
 * @example
 * ```ts
 * formatIssues([{ path: ["taskId"], message: "is required" }]); // "taskId is required"
 * ```
 */
export function formatIssues(issues: readonly Issue[]): string {
  const parts = issues.map((issue) => {
    const where = formatPath(issue.path);
    if (issue.code === "unrecognized_keys" && issue.keys !== undefined) {
      const names = issue.keys.map((key) => JSON.stringify(key)).join(", ");
      const what = `unknown parameter${issue.keys.length > 1 ? "s" : ""} ${names}`;
      return where === "" ? what : `${where} has ${what}`;
    }
    return where === "" ? issue.message : `${where} ${issue.message}`;
  });
  return [...new Set(parts)].join("; ") || "invalid request";
}

function formatPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else text += text === "" ? String(segment) : `.${String(segment)}`;
  }
  return text;
}
