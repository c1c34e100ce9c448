/**
 * One line saying how to fix a failure, for the errors whose raw SDK message does not. Looks
 * through the `cause` chain (S3 failures are wrapped in TransferError).
 */
function causes(err: unknown): unknown[] {
  const chain: unknown[] = [];
  let e: unknown = err;
  while (e !== undefined && e !== null && chain.length < 10) {
    chain.push(e);
    e = (e as { cause?: unknown }).cause;
  }
  return chain;
}

const nameOf = (e: unknown) => (e instanceof Error ? e.name : undefined);

export function hintFor(err: unknown): string | undefined {
  const chain = causes(err);
  const timeout = chain.find((e) => nameOf(e) === "TimeoutError");
  if (timeout) {
    const connect = /establish a connection/.test((timeout as Error).message);
    return connect
      ? "the request timed out connecting to the endpoint (retried); check the network, proxy and --endpoint-url, or raise --cli-connect-timeout (seconds, 0 = no timeout)"
      : "the request timed out waiting for a response (retried); check the network and proxy, or raise --cli-read-timeout (seconds, 0 = no timeout)";
  }
  return undefined;
}
