import type { Ledger } from './ledger.js';

/**
 * The last Telegram update_id handled, so a re-delivered update (after a restart, or twice in a
 * batch) is not handled again. Writes are coalesced: many updates at once cost one or two writes.
 */
export interface UpdateLog {
  /** true the first time an id above every earlier one is seen; resolves once that is saved */
  claim(updateId: number): { fresh: boolean; saved: Promise<void> };
}

export function createUpdateLog(ledger: Pick<Ledger, 'lastUpdateId' | 'recordUpdateId'>): UpdateLog {
  let last = ledger.lastUpdateId() ?? -1;
  let writing: Promise<void> | undefined;
  let again: Promise<void> | undefined;

  const write = (): Promise<void> =>
    ledger
      .recordUpdateId(last)
      // a full disk keeps it in memory (the store retries): handling goes on
      .catch(() => undefined);

  function persist(): Promise<void> {
    if (!writing) {
      writing = write().finally(() => (writing = undefined));
      return writing;
    }
    // one write is running with an older id: one more after it covers every id claimed meanwhile
    again ??= writing.then(() => {
      again = undefined;
      return persist();
    });
    return again;
  }

  return {
    claim(updateId) {
      if (updateId <= last) return { fresh: false, saved: Promise.resolve() };
      last = updateId;
      return { fresh: true, saved: persist() };
    },
  };
}
