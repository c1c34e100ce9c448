/**
 * Stripe files of one SQL Server media set, made from a real backup: copies whose MTF_TAPE Media
 * Family ID (uint32 at 52, after the header checksum's range) is 1..m, named `<stem>N-of-M.bak`.
 * The RAID descriptor (the media-set id) is left as it is, so all copies share one media set.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Writes `<stem>1-of-m.bak` … into `dir`; `families` overrides the family id of each (default 1..m). */
export async function makeStripes(
  source: string,
  dir: string,
  stem: string,
  m: number,
  families: readonly number[] = Array.from({ length: m }, (_, i) => i + 1),
): Promise<string[]> {
  const bytes = await readFile(source);
  const out: string[] = [];
  for (let n = 1; n <= m; n++) {
    const copy = Buffer.from(bytes);
    copy.writeUInt32LE(families[n - 1]!, 52);
    const path = join(dir, `${stem}${n}-of-${m}.bak`);
    await writeFile(path, copy);
    out.push(path);
  }
  return out;
}
