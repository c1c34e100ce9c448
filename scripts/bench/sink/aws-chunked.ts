/**
 * Decoder for `Content-Encoding: aws-chunked` request bodies (SigV4 streaming, signed or
 * unsigned, with or without trailing checksums):
 *
 *   <hex-size>[;chunk-signature=…]\r\n<data>\r\n … 0[;…]\r\n[<name>:<value>\r\n]*\r\n
 *
 * Payload bytes are handed to `onData` as sub-arrays of the input (no copies); trailers are
 * collected so the sink can echo `x-amz-checksum-*` back like S3 does.
 */
export class AwsChunkedDecoder {
  readonly trailers: Record<string, string> = {};
  private state: "size" | "data" | "data-crlf" | "trailer" | "done" = "size";
  private line = "";
  private remaining = 0;
  private crlfLeft = 0;

  constructor(private readonly onData: (bytes: Buffer) => void) {}

  get finished(): boolean {
    return this.state === "done";
  }

  push(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length && this.state !== "done") {
      if (this.state === "data") {
        const n = Math.min(this.remaining, chunk.length - i);
        this.onData(chunk.subarray(i, i + n));
        i += n;
        this.remaining -= n;
        if (this.remaining === 0) {
          this.state = "data-crlf";
          this.crlfLeft = 2;
        }
        continue;
      }
      if (this.state === "data-crlf") {
        const n = Math.min(this.crlfLeft, chunk.length - i);
        i += n;
        this.crlfLeft -= n;
        if (this.crlfLeft === 0) this.state = "size";
        continue;
      }
      const nl = chunk.indexOf(0x0a, i);
      const end = nl === -1 ? chunk.length : nl;
      this.line += chunk.toString("latin1", i, end);
      i = end;
      if (nl === -1) continue;
      i += 1;
      const line = this.line.endsWith("\r") ? this.line.slice(0, -1) : this.line;
      this.line = "";
      this.onLine(line);
    }
  }

  private onLine(line: string): void {
    if (this.state === "size") {
      const size = Number.parseInt(line.split(";")[0] ?? "", 16);
      if (!Number.isFinite(size) || size < 0) throw new Error(`bad aws-chunked size line "${line}"`);
      if (size === 0) {
        this.state = "trailer";
      } else {
        this.remaining = size;
        this.state = "data";
      }
      return;
    }
    if (line === "") {
      this.state = "done";
      return;
    }
    const colon = line.indexOf(":");
    if (colon > 0) this.trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
}
