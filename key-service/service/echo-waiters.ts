// Waits for this instance's own revocation listener to hear what it published. Nothing else
// tells a revoking instance that the notification is out: its own copy is the receipt.

/** How long a revocation's answer may wait for the receipt (a dead listener must not hang it). */
export const ECHO_WAIT_MS = 1000;

export class EchoWaiters {
  private readonly waiting = new Map<string, Set<() => void>>();

  /** Resolves once every hash was heard, or after `timeoutMs`, whichever comes first. */
  wait(sha256s: readonly string[], timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      let left = new Set(sha256s).size;
      const done = () => {
        clearTimeout(timer);
        for (const sha of sha256s) this.waiting.get(sha)?.delete(onHeard);
        resolve();
      };
      const onHeard = () => {
        if (--left === 0) done();
      };
      const timer = setTimeout(done, timeoutMs);
      timer.unref();
      for (const sha of new Set(sha256s)) {
        let set = this.waiting.get(sha);
        if (!set) this.waiting.set(sha, (set = new Set()));
        set.add(onHeard);
      }
    });
  }

  /** Hashes the listener heard; null when it lost its connection (nothing more will be heard). */
  heard(sha256s: readonly string[] | null): void {
    if (this.waiting.size === 0) return;
    const hashes = sha256s ?? [...this.waiting.keys()];
    for (const sha of hashes) {
      const set = this.waiting.get(sha);
      if (!set) continue;
      this.waiting.delete(sha);
      for (const onHeard of [...set]) onHeard();
    }
  }
}
