import { ZERO, dec, sum, type Decimal } from '../money.js';
import type { AutoExit, StoreData, Transfer } from './schema.js';
import type { Store } from './store.js';

/**
 * The ledger's margin-guardrail records: transfers to futures (and the automatic top-up budget
 * they use), what was last pushed about each position's margin, and automatic exits.
 * The rest of the code calls these operations, never the store fields behind them.
 */

export const DAY_MS = 86_400_000;

export async function recordTransfer(store: Store, t: Transfer): Promise<void> {
  await store.update((d) => {
    d.transfers.push(t);
  });
}

/** USDT the bot moved by itself in the 24 h before `now` (the AUTO_TOPUP_USDT budget used). */
export function autoTopupUsed(data: StoreData, mode: Transfer['mode'], now: number): Decimal {
  return sum(data.transfers.filter((t) => t.auto && t.mode === mode && t.time > now - DAY_MS).map((t) => t.amount));
}

/** Every simulated move so far (it stays in the paper futures wallet). */
export function paperTransferred(data: StoreData): Decimal {
  return sum(data.transfers.filter((t) => t.mode === 'paper').map((t) => t.amount));
}

/** Funding received (negative: paid) by a position so far. */
export function positionFunding(data: StoreData, positionId: string): Decimal {
  let total = ZERO;
  for (const r of data.funding) if (r.positionId === positionId) total = total.plus(dec(r.amount));
  return total;
}

export const marginAlertOf = (data: StoreData, positionId: string) => data.marginAlerts[positionId] ?? {};

/** Stores the levels just pushed (or cleared: undefined), and forgets positions no longer held. */
export async function setMarginAlerts(store: Store, changes: Record<string, { level?: number; adl?: number }>, held: Set<string>): Promise<void> {
  const stale = Object.keys(store.data.marginAlerts).filter((id) => !held.has(id));
  if (!Object.keys(changes).length && !stale.length) return;
  await store.update((d) => {
    for (const [id, c] of Object.entries(changes)) {
      if (c.level === undefined && c.adl === undefined) delete d.marginAlerts[id];
      else d.marginAlerts[id] = c;
    }
    for (const id of stale) delete d.marginAlerts[id];
  });
}

export const autoExitOf = (data: StoreData, positionId: string): AutoExit | undefined => data.autoExits[positionId];

/** Schedules the automatic close unless one is already due or the position is held open. */
export async function scheduleAutoExit(store: Store, positionId: string, dueAt: number): Promise<boolean> {
  if (store.data.autoExits[positionId]) return false;
  await store.update((d) => {
    d.autoExits[positionId] = { dueAt };
  });
  return true;
}

/** Keep open: no automatic close until the exit condition clears and appears again. */
export async function keepOpen(store: Store, positionId: string, userId: number): Promise<void> {
  await store.update((d) => {
    d.autoExits[positionId] = { keptBy: userId };
  });
}

export async function clearAutoExits(store: Store, positionIds: string[]): Promise<void> {
  const ids = positionIds.filter((id) => store.data.autoExits[id]);
  if (!ids.length) return;
  await store.update((d) => {
    for (const id of ids) delete d.autoExits[id];
  });
}

/** Position ids whose automatic close is due at `now`. */
export function dueAutoExits(data: StoreData, now: number): string[] {
  return Object.entries(data.autoExits)
    .filter(([, e]) => e.dueAt !== undefined && e.keptBy === undefined && e.dueAt <= now)
    .map(([id]) => id);
}
