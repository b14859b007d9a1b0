import type { Logger } from '../logger.js';

/**
 * Memory ahead of the disk (a write refused: a full disk). The bot keeps running on what it
 * knows; this retries the write with backoff until the state document and every journal line
 * are saved, then tells its listeners (recovery runs, people are told).
 */
export interface SaveAgain {
  unsaved(): boolean;
  /** after every write: starts the retries when memory is ahead of the disk, tells the listeners once it is not */
  check(): void;
  onSaved(listener: () => void): void;
  /** called once when memory gets ahead of the disk */
  onUnsaved(listener: () => void): void;
  stop(): void;
}

/** 0.5 s doubling to 30 s */
export const SAVE_RETRY_MS: readonly number[] = [500, 1000, 2000, 4000, 8000, 16_000, 30_000];

export interface SaveAgainOptions {
  unsaved: () => boolean;
  /** one write of the whole state and the unwritten journal lines */
  save: () => Promise<unknown>;
  retryMs: readonly number[];
  logger?: Logger | undefined;
}

export function saveAgain(o: SaveAgainOptions): SaveAgain {
  const listeners: Array<() => void> = [];
  const unsavedListeners: Array<() => void> = [];
  let behind = false;
  let attempt = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  function schedule(): void {
    const wait = o.retryMs[Math.min(attempt, o.retryMs.length - 1)] ?? 30_000;
    attempt += 1;
    timer = setTimeout(() => {
      timer = undefined;
      if (stopped) return;
      o.save()
        .catch((err: unknown) => o.logger?.warn({ err, attempt }, 'ledger still not saved; retrying'))
        .finally(check);
    }, wait);
    timer.unref();
  }

  function check(): void {
    if (stopped) return;
    if (o.unsaved()) {
      if (!behind) {
        behind = true;
        attempt = 0;
        o.logger?.error('ledger not saved (the disk refused a write): the bot runs on memory, retries the write, and new opens wait');
        for (const l of unsavedListeners) l();
      }
      if (!timer) schedule();
      return;
    }
    if (!behind) return;
    behind = false;
    if (timer) clearTimeout(timer);
    timer = undefined;
    o.logger?.warn({ attempts: attempt }, 'ledger saved again');
    for (const l of listeners) l();
  }

  return {
    unsaved: o.unsaved,
    check,
    onSaved: (l) => void listeners.push(l),
    onUnsaved: (l) => void unsavedListeners.push(l),
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
