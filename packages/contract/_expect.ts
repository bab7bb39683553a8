/**
 * A zod `error` function that says what a field must be, in the words the
 * API answers with (`Request parameter error: taskId is required`). The
 * server prefixes the field's path. Issues other than a wrong type or value
 * keep zod's own message (unknown keys are worded by the server).
 */
export function expect(
  what: string,
  options: { once?: boolean } = {},
): (issue: { code?: string; input?: unknown }) => string | undefined {
  return (issue: { code?: string; input?: unknown }): string | undefined => {
    if (issue.code !== "invalid_type" && issue.code !== "invalid_value") return undefined;
    if (issue.input === undefined) return "is required";
    if (options.once === true && Array.isArray(issue.input)) return "must be given once";
    return `must be ${what}`;
  };
}
