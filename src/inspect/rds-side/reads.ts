/**
 * Read-only AWS calls of the RDS-side preflight. A read the caller may not make (AccessDenied)
 * or that fails for another reason becomes a "not checked" finding naming the permission: the
 * checks that depend on it are skipped, never passed.
 */
import { type Finding, FindingCodes, finding } from "../findings.js";

/** Anything with the SDK's `send(command, options)`. */
export interface SendClient {
  // biome-ignore lint/suspicious/noExplicitAny: structural type for any SDK-shaped client.
  send(command: any, options?: { abortSignal?: AbortSignal }): Promise<any>;
}

export type ReadResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false };

const DENIED = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "AccessDeniedFault",
  "UnauthorizedOperation",
  "AuthorizationError",
  "AuthFailure",
]);

/** True when an AWS error means the caller is not allowed to make the call. */
export function isAccessDenied(err: unknown): boolean {
  const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return DENIED.has(e?.name ?? "") || DENIED.has(e?.Code ?? "") || e?.$metadata?.httpStatusCode === 403;
}

/** Error names that mean "does not exist": the caller turns them into their own finding. */
export function isMissing(err: unknown, ...names: string[]): boolean {
  const name = (err as { name?: string } | undefined)?.name ?? "";
  return names.includes(name);
}

/** The finding for a read that could not be made: what was not checked and the permission it needs. */
export function notChecked(what: string, permission: string, err: unknown): Finding {
  const name = err instanceof Error ? err.name : "Error";
  const detail = err instanceof Error && err.message && err.message !== name ? `: ${err.message}` : "";
  const reason = isAccessDenied(err)
    ? `not checked: missing permission ${permission}`
    : `not checked: ${permission} failed with ${name}${detail}`;
  return finding(FindingCodes.RDS_NOT_CHECKED, "warning", `${what} ${reason}`, {
    fix: isAccessDenied(err)
      ? `run the preflight as a principal allowed ${permission} (read-only), or check this by hand`
      : "retry; if it persists, check this by hand",
  });
}

/**
 * Runs one read. A failure the caller handles (`expected`) is rethrown; an abort is rethrown; any
 * other failure adds a "not checked" finding and returns `{ ok: false }`.
 */
export async function tryRead<T>(
  out: Finding[],
  what: string,
  permission: string,
  call: () => Promise<T>,
  signal: AbortSignal | undefined,
  expected: (err: unknown) => boolean = () => false,
): Promise<ReadResult<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (err) {
    if (signal?.aborted || (err instanceof Error && err.name === "AbortError") || expected(err)) throw err;
    out.push(notChecked(what, permission, err));
    return { ok: false };
  }
}

/** An IAM policy document as IAM returns it: URL-encoded JSON (moto sometimes returns it plain). */
export function parsePolicyDocument(doc: string | undefined): unknown {
  if (doc === undefined || doc === "") return undefined;
  const text = doc.trimStart().startsWith("{") ? doc : decodeURIComponent(doc);
  return JSON.parse(text);
}
