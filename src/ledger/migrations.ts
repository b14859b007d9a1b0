import { STORE_VERSION } from './schema.js';

/**
 * Upgrade steps for the whole ledger as one document: `steps[n]` turns a version-n document into
 * version n+1. The ledger takes a backup copy of the file before running any of them, then writes
 * the upgraded document out as a state document plus journals.
 */
export type Migration = (doc: Record<string, unknown>) => Record<string, unknown>;

export const migrations: Record<number, Migration> = {
  // Version 0 was the pre-release layout: settings lived under `settings`, no intents.
  0: (doc) => {
    const settings = (doc.settings ?? {}) as Record<string, unknown>;
    const { settings: _drop, ...rest } = doc;
    return {
      ...rest,
      version: 1,
      createdAt: typeof doc.createdAt === 'number' ? doc.createdAt : Date.now(),
      paused: settings.paused === true,
      users: settings.users ?? {},
    };
  },
  // Version 1 was one file holding everything; version 2 keeps history in journals. The records
  // are the same: splitting the document is the ledger's part.
  1: (doc) => ({ ...doc, version: 2 }),
};

export function migrate(doc: Record<string, unknown>, steps: Record<number, Migration> = migrations): Record<string, unknown> {
  let current = doc;
  let version = typeof current.version === 'number' ? current.version : 0;
  while (version < STORE_VERSION) {
    const step = steps[version];
    if (!step) throw new Error(`no migration from store version ${version}`);
    current = step(current);
    version = typeof current.version === 'number' ? current.version : version + 1;
  }
  return current;
}
