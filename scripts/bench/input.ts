/**
 * The benchmark input: incompressible bytes (16 MiB of random data, each copy tagged with its
 * index so no two blocks are equal), written once per run into the run's temp directory.
 */
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createWriteStream } from "node:fs";

const BLOCK = 16 * 2 ** 20;

export async function writeInputFile(path: string, size: number): Promise<void> {
  const block = randomBytes(BLOCK);
  const out = createWriteStream(path, { highWaterMark: BLOCK });
  for (let off = 0, n = 0; off < size; off += BLOCK, n++) {
    const chunk = Buffer.from(block.subarray(0, Math.min(BLOCK, size - off)));
    chunk.writeUInt32BE(n, 0);
    if (!out.write(chunk)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}
