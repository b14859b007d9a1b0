import { STORE_VERSION } from './schema.js';

/**
 * Upgrade steps for the raw JSON store: `steps[n]` turns a version-n document into version n+1.
 * The store takes a backup copy of the file before running any of them.
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
  // Version 1 kept order ids as JSON numbers, which cannot hold Binance's 64-bit ids exactly.
  // Ids already rounded cannot be restored; those below 2^53 (and every paper id) convert exactly.
  1: (doc) => {
    const idText = (v: unknown) => (typeof v === 'number' ? BigInt(v).toString() : v);
    const fills = Array.isArray(doc.fills) ? doc.fills.map((f: Record<string, unknown>) => ({ ...f, orderId: idText(f.orderId) })) : doc.fills;
    const intents = Array.isArray(doc.intents)
      ? doc.intents.map((i: Record<string, unknown>) => {
          const legs = { ...(i.legs as Record<string, Record<string, unknown> | undefined>) };
          for (const k of Object.keys(legs)) {
            const leg = legs[k];
            if (leg && leg.orderId !== undefined) legs[k] = { ...leg, orderId: idText(leg.orderId) };
          }
          return { ...i, legs };
        })
      : doc.intents;
    return { ...doc, version: 2, fills, intents };
  },
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
