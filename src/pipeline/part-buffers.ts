/**
 * Reusable part-sized ciphertext buffers. A fresh multi-MiB allocation per part costs page
 * faults and zeroing, and its memory returns only when the GC runs; recycling at most
 * `concurrency + 1` buffers keeps memory flat and the pages warm. A buffer comes back only when
 * its part was acknowledged, so a retried part always resends its own bytes.
 */
export class PartBufferPool {
  private readonly free: Buffer[] = [];

  /** @param max how many released buffers are kept for reuse. */
  constructor(
    readonly partSize: number,
    private readonly max: number,
  ) {}

  acquire(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.partSize);
  }

  /** Returns a buffer obtained from {@link acquire}; extra or foreign buffers are dropped. */
  release(buffer: Buffer): void {
    if (buffer.length === this.partSize && this.free.length < this.max && !this.free.includes(buffer)) {
      this.free.push(buffer);
    }
  }

  /** Buffers ready for reuse (for tests and diagnostics). */
  get available(): number {
    return this.free.length;
  }
}
