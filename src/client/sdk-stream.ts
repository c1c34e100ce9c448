import { Readable } from "node:stream";

/** The body helpers the SDK adds to GetObject's `Body`, so code written for S3Client keeps working. */
export interface SdkStreamHelpers {
  transformToByteArray(): Promise<Uint8Array>;
  transformToString(encoding?: BufferEncoding): Promise<string>;
  transformToWebStream(): ReadableStream<Uint8Array>;
}

export type SdkReadable = Readable & SdkStreamHelpers;

export function withSdkStreamHelpers(stream: Readable): SdkReadable {
  const collect = async (): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };
  return Object.assign(stream, {
    transformToByteArray: async () => new Uint8Array(await collect()),
    transformToString: async (encoding: BufferEncoding = "utf8") => (await collect()).toString(encoding),
    transformToWebStream: () => Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>,
  });
}
