/**
 * Holds the ledger's writes while a trade is between its two legs. A write already queued (a scan
 * result, an income page) would otherwise apply its change, serialise the state document or a
 * journal line, and start file I/O the moment the first leg's answer arrives: all of it on the
 * event loop (and on the disk) ahead of the second order. While the gate is held, every write
 * stops before its next step (apply the change, serialise, append); I/O already under way
 * finishes, but nothing continues from it. Holds nest; each release is idempotent.
 */
export interface WriteGate {
  /** holds every write's next step until the returned function is called */
  hold(): () => void;
  /**
   * undefined while nothing holds the gate (the write goes on in the same tick), else a promise
   * that resolves once the last hold is released
   */
  passage(): Promise<void> | undefined;
}

export function createWriteGate(): WriteGate {
  let holds = 0;
  let opened: Promise<void> | undefined;
  let open: (() => void) | undefined;
  // a write let through may find the gate held again before it runs: it waits for that one too
  const through = async (): Promise<void> => {
    while (opened) await opened;
  };
  return {
    hold() {
      if (holds++ === 0) opened = new Promise<void>((r) => (open = r));
      let released = false;
      return () => {
        if (released) return;
        released = true;
        if (--holds > 0) return;
        const o = open;
        opened = open = undefined;
        o?.();
      };
    },
    passage: () => (opened ? through() : undefined),
  };
}
