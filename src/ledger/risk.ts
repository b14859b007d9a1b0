import type { Publication } from '../events.js';
import { exactSum } from './pnl.js';
import { publishAll } from './outbox.js';
import type { Decimal } from '../money.js';
import type { AutoExit, Position, Transfer } from './schema.js';
import type { Store } from './store.js';

/**
 * The ledger's margin-guardrail records: transfers to futures (and the automatic top-up budget
 * they use), what was last pushed about each position's margin, and automatic exits. Part of
 * the Ledger interface; nothing else knows where they are stored.
 */

export const DAY_MS = 86_400_000;

export interface MarginAlertState {
  /** alert level last pushed (0 below MARGIN_ALERT_PCT, +1 per further 10 points) */
  level?: number;
  /** ADL quantile last pushed */
  adl?: number;
}

export interface RiskRecords {
  /** `publish`: what the move tells people, in the same write (never lost to a crash between the two) */
  recordTransfer(t: Transfer, publish?: readonly Publication[]): Promise<void>;
  /** USDT the bot moved by itself in the 24 h before `now` (the AUTO_TOPUP_USDT budget used) */
  autoTopupUsed(mode: Position['mode'], now: number): Decimal;
  /** every simulated move so far (it stays in the paper futures wallet) */
  paperTransferred(): Decimal;
  marginAlert(positionId: string): MarginAlertState;
  /** stores the alert states (an empty state clears) with the alerts they stand for, and forgets positions not in `held` */
  recordMarginAlerts(changes: Record<string, MarginAlertState>, held: Set<string>, publish?: readonly Publication[]): Promise<void>;
  autoExit(positionId: string): AutoExit | undefined;
  /** schedules an automatic close unless one is already due or the position is held open */
  scheduleAutoExit(positionId: string, dueAt: number): Promise<boolean>;
  /** Keep open: no automatic close until the exit condition clears and appears again */
  keepOpen(positionId: string, userId: number, publish?: readonly Publication[]): Promise<void>;
  clearAutoExits(positionIds: string[]): Promise<void>;
  /** position ids whose automatic close is due at `now` */
  dueAutoExits(now: number): string[];
}

/** `published`: called after a write that added messages to the outbox */
export function riskRecords(store: Store, published: () => void): RiskRecords {
  const data = () => store.data;
  const announce = (items: readonly Publication[] | undefined) => (items?.length ? published() : undefined);
  return {
    async recordTransfer(t, publish) {
      await store.update((d) => {
        d.transfers.push(t);
        publishAll(d, publish, Date.now());
      });
      announce(publish);
    },
    autoTopupUsed: (mode, now) => exactSum(data().transfers.filter((t) => t.auto && t.mode === mode && t.time > now - DAY_MS).map((t) => t.amount)),
    paperTransferred: () => exactSum(data().transfers.filter((t) => t.mode === 'paper').map((t) => t.amount)),

    marginAlert: (positionId) => data().marginAlerts[positionId] ?? {},
    async recordMarginAlerts(changes, held, publish) {
      const stale = Object.keys(data().marginAlerts).filter((id) => !held.has(id));
      if (!Object.keys(changes).length && !stale.length && !publish?.length) return;
      await store.update((d) => {
        publishAll(d, publish, Date.now());
        for (const [id, c] of Object.entries(changes)) {
          if (c.level === undefined && c.adl === undefined) delete d.marginAlerts[id];
          else d.marginAlerts[id] = c;
        }
        for (const id of stale) delete d.marginAlerts[id];
      });
      announce(publish);
    },

    autoExit: (positionId) => data().autoExits[positionId],
    async scheduleAutoExit(positionId, dueAt) {
      if (data().autoExits[positionId]) return false;
      await store.update((d) => void (d.autoExits[positionId] = { dueAt }));
      return true;
    },
    async keepOpen(positionId, userId, publish) {
      await store.update((d) => {
        d.autoExits[positionId] = { keptBy: userId };
        publishAll(d, publish, Date.now());
      });
      announce(publish);
    },
    async clearAutoExits(positionIds) {
      const ids = positionIds.filter((id) => data().autoExits[id]);
      if (!ids.length) return;
      await store.update((d) => {
        for (const id of ids) delete d.autoExits[id];
      });
    },
    dueAutoExits: (now) =>
      Object.entries(data().autoExits)
        .filter(([, e]) => e.dueAt !== undefined && e.keptBy === undefined && e.dueAt <= now)
        .map(([id]) => id),
  };
}
