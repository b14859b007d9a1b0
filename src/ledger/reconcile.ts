import type { FuturesApi, SpotApi } from '../binance/types.js';
import type { Audience, Publication } from '../events.js';
import type { Logger } from '../logger.js';
import { ZERO, dec, toPlain, type Decimal } from '../money.js';
import { heldQuantity, type Ledger } from './ledger.js';

/**
 * Reconciliation (live): the store's open positions against what the exchange holds — the short
 * size per symbol from /fapi/v3/positionRisk and the spot balance of the base asset. Drift
 * beyond dust raises ONE critical alert to everyone with both sides' numbers; its fingerprint is
 * stored in the same write as the alert, so the same drift is not repeated (and a crash cannot
 * lose it), and cleared when the drift goes away. Read-only towards the exchange.
 *
 * A symbol with a trade in flight (a pending intent, or one that moved during this pass) is
 * skipped: mid-/close the short is already bought back while the ledger is updated only after
 * the spot sell, which is not drift. The next pass checks it.
 *
 * Spot is only flagged when the balance is SHORT of the ledger: extra coins on the account are
 * the trader's own holdings (or fee BNB), not a broken hedge. The futures short is flagged both
 * ways.
 */

/** relative tolerance: 0.5 % of the position */
const TOLERANCE = dec('0.005');

export interface ReconcileDeps {
  ledger: Ledger;
  futures: Pick<FuturesApi, 'positionRisk'>;
  spot: Pick<SpotApi, 'balances'>;
  audience: Pick<Audience, 'all'>;
  logger?: Logger;
  now?: () => number;
  /** lot step of a symbol (the larger of spot and futures); dust below it is not drift */
  lotStep?: (symbol: string) => string | undefined;
}

export interface Drift {
  symbol: string;
  baseAsset: string;
  ledgerFutures: string;
  exchangeFutures: string;
  ledgerSpot: string;
  exchangeSpot: string;
  futuresDrift: boolean;
  spotDrift: boolean;
  /** a futures position on a symbol the ledger has no position in (e.g. a naked short) */
  notInLedger?: boolean;
  fingerprint: string;
}

export interface ReconcileResult {
  checked: string[];
  /** symbols skipped because a trade was in flight */
  busy: string[];
  drifts: Drift[];
  alerted: Drift[];
}

/** drift beyond dust: more than one lot step AND more than 0.5 % of the position */
function beyond(diff: Decimal, base: Decimal, step: string | undefined): boolean {
  const relative = base.abs().mul(TOLERANCE);
  const tol = step && dec(step).gt(relative) ? dec(step) : relative;
  return diff.abs().gt(tol);
}

export async function reconcile(deps: ReconcileDeps): Promise<ReconcileResult> {
  const { ledger, logger } = deps;
  const now = deps.now ?? Date.now;
  const startedAt = now();
  // Trades run outside this pass (under the executor's lock): a symbol whose intent is pending, or
  // changed while the exchange was being read, is between two consistent states. Checked before
  // and after the exchange reads.
  const busy = new Set<string>();
  const markBusy = () => {
    for (const symbol of ledger.busySymbols('live', startedAt)) busy.add(symbol);
  };
  markBusy();
  const held = ledger.openPositions('live');
  // ledger side: live positions that hold legs (an 'opening' one is mid-execution; skip it)
  const expected = new Map<string, { baseAsset: string; futures: Decimal; spot: Decimal }>();
  for (const symbol of new Set(held.map((p) => p.symbol))) {
    const legs = held.filter((p) => p.symbol === symbol && p.status !== 'opening');
    if (!legs.length || busy.has(symbol)) continue;
    expected.set(symbol, { baseAsset: legs[0]!.baseAsset, ...heldQuantity(legs) });
  }
  const result: ReconcileResult = { checked: [...expected.keys()].sort(), busy: [], drifts: [], alerted: [] };
  // every symbol the ledger knows a live position in (an 'opening' one is mid-execution)
  const known = new Set(held.map((p) => p.symbol));

  // A futures position the ledger knows nothing about (a naked short) is drift too, so the
  // futures side is always read (weight 5); balances only when there is something to compare.
  const risks = await deps.futures.positionRisk();
  markBusy();
  const stray = new Map<string, Decimal>();
  for (const r of risks) {
    if (known.has(r.symbol) || busy.has(r.symbol) || dec(r.positionAmt).isZero()) continue;
    stray.set(r.symbol, (stray.get(r.symbol) ?? ZERO).minus(r.positionAmt));
  }
  for (const [symbol, short] of [...stray].sort(([a], [b]) => a.localeCompare(b))) {
    if (short.isZero()) continue;
    const d: Drift = {
      symbol,
      baseAsset: symbol.replace(/USDT$/, ''),
      ledgerFutures: '0',
      exchangeFutures: toPlain(short),
      ledgerSpot: '0',
      exchangeSpot: '0',
      futuresDrift: true,
      spotDrift: false,
      notInLedger: true,
      fingerprint: `naked:${toPlain(short)}`,
    };
    result.drifts.push(d);
  }

  if (expected.size) {
    const balances = await deps.spot.balances();
    markBusy();
    const spotByAsset = new Map<string, Decimal>();
    for (const b of balances) spotByAsset.set(b.asset, dec(b.free).plus(b.locked));
    // spot ledger per base asset (two symbols could share one coin)
    const spotLedger = new Map<string, Decimal>();
    for (const e of expected.values()) spotLedger.set(e.baseAsset, (spotLedger.get(e.baseAsset) ?? ZERO).plus(e.spot));

    for (const symbol of result.checked) {
      if (busy.has(symbol)) continue;
      const e = expected.get(symbol)!;
      // one-way mode: a short is a negative positionAmt; hedge mode SHORT rows are negative too
      const short = risks.filter((r) => r.symbol === symbol).reduce((acc, r) => acc.minus(r.positionAmt), ZERO);
      const spotHeld = spotByAsset.get(e.baseAsset) ?? ZERO;
      const spotExpected = spotLedger.get(e.baseAsset) ?? e.spot;
      const step = deps.lotStep?.(symbol);
      const futuresDrift = beyond(short.minus(e.futures), e.futures, step);
      const spotDrift = spotExpected.minus(spotHeld).gt(0) && beyond(spotExpected.minus(spotHeld), spotExpected, step);
      if (!futuresDrift && !spotDrift) continue;
      const d: Drift = {
        symbol,
        baseAsset: e.baseAsset,
        ledgerFutures: toPlain(e.futures),
        exchangeFutures: toPlain(short),
        ledgerSpot: toPlain(spotExpected),
        exchangeSpot: toPlain(spotHeld),
        futuresDrift,
        spotDrift,
        fingerprint: '',
      };
      d.fingerprint = `f:${d.ledgerFutures}/${d.exchangeFutures}|s:${d.ledgerSpot}/${d.exchangeSpot}`;
      result.drifts.push(d);
    }
  }

  result.busy = [...busy].sort();
  result.checked = result.checked.filter((s) => !busy.has(s));
  if (busy.size) logger?.info({ symbols: result.busy }, 'reconcile: trade in flight; those symbols are checked next time');
  const drifting = new Map(result.drifts.map((d) => [d.symbol, d]));
  const push: Publication[] = [];
  for (const d of result.drifts) {
    if (ledger.reconcileFingerprint(d.symbol) === d.fingerprint) continue;
    logger?.warn({ drift: d }, 'hedge drift between the ledger and the exchange');
    push.push({ event: { type: 'drift', drift: d }, chats: deps.audience.all() });
    result.alerted.push(d);
  }
  await ledger.recordReconcile(new Map([...drifting].map(([sym, d]) => [sym, d.fingerprint])), busy, now(), push);
  return result;
}
