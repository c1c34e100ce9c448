/**
 * An S3 double at the HTTP layer: a real `S3Client` (serializers, signing, checksums and the
 * SDK's own retry middleware all run) whose request handler answers multipart uploads in memory.
 * Records every UploadPart attempt's body bytes as sent, so a test can compare a retry with the
 * first attempt. Retries happen without delay (a retry strategy with zero backoff), so no test waits.
 */
import { Readable } from "node:stream";
import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";

export interface PartAttempt {
  readonly partNumber: number;
  readonly attempt: number;
  readonly body: Buffer;
}

export interface HttpS3Double {
  readonly s3: S3Client;
  readonly attempts: PartAttempt[];
  /** Requests by operation, in order ("CreateMultipartUpload", "UploadPart", …). */
  readonly operations: string[];
}

interface RequestLike {
  method: string;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
}

async function bytesOf(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === "string") return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body); // a copy, as the wire would take it
  const chunks: Buffer[] = [];
  for await (const c of body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

function response(statusCode: number, body = "", headers: Record<string, string> = {}) {
  return {
    response: {
      statusCode,
      headers: { "content-type": "application/xml", ...headers },
      body: Readable.from([Buffer.from(body)]),
    },
  };
}

const ZERO_DELAY_RETRIES = (maxAttempts: number) => ({
  mode: "standard",
  acquireInitialRetryToken: async () => ({ count: 0, getRetryCount: () => 0, getRetryDelay: () => 0 }),
  refreshRetryTokenForRetry: async (token: { count: number }, info: { errorType: string }) => {
    if (token.count + 1 >= maxAttempts || info.errorType === "CLIENT_ERROR")
      throw new Error("no more retries");
    const count = token.count + 1;
    return { count, getRetryCount: () => count, getRetryDelay: () => 0 };
  },
  recordSuccess: () => {},
});

/**
 * `failAttempt(partNumber, attempt)` → an HTTP status to answer with instead of 200 (e.g. 500 on the
 * first attempt of part 2), or undefined to accept.
 */
export function httpS3Double(
  failAttempt: (partNumber: number, attempt: number) => number | undefined,
): HttpS3Double {
  const attempts: PartAttempt[] = [];
  const operations: string[] = [];
  const tries = new Map<number, number>();
  const handle = async (request: RequestLike) => {
    const q = request.query ?? {};
    if (request.method === "POST" && "uploads" in q) {
      operations.push("CreateMultipartUpload");
      return response(
        200,
        "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>up-1</UploadId></InitiateMultipartUploadResult>",
      );
    }
    if (request.method === "PUT" && q.partNumber !== undefined) {
      operations.push("UploadPart");
      const partNumber = Number(q.partNumber);
      const attempt = (tries.get(partNumber) ?? 0) + 1;
      tries.set(partNumber, attempt);
      attempts.push({ partNumber, attempt, body: await bytesOf(request.body) });
      const status = failAttempt(partNumber, attempt);
      if (status !== undefined)
        return response(status, "<Error><Code>InternalError</Code><Message>injected</Message></Error>");
      return response(200, "", { etag: `"etag-${partNumber}"` });
    }
    if (request.method === "POST" && "uploadId" in q) {
      operations.push("CompleteMultipartUpload");
      return response(
        200,
        '<CompleteMultipartUploadResult><ETag>"done"</ETag></CompleteMultipartUploadResult>',
      );
    }
    if (request.method === "DELETE" && "uploadId" in q) {
      operations.push("AbortMultipartUpload");
      return response(204);
    }
    if (request.method === "PUT") {
      operations.push("PutObject");
      await bytesOf(request.body);
      return response(200, "", { etag: '"put"' });
    }
    return response(400, "<Error><Code>NotImplemented</Code><Message>not in the double</Message></Error>");
  };
  const s3 = new S3Client({
    region: "us-east-1",
    endpoint: "http://s3.test",
    forcePathStyle: true,
    credentials: { accessKeyId: "x", secretAccessKey: "x" },
    requestHandler: {
      handle,
      updateHttpClientConfig() {},
      httpHandlerConfigs: () => ({}),
    } as unknown as S3ClientConfig["requestHandler"],
    retryStrategy: ZERO_DELAY_RETRIES(3) as unknown as S3ClientConfig["retryStrategy"],
  });
  return { s3, attempts, operations };
}
