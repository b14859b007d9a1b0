import { ZERO, dec, type Decimal } from '../money.js';
import type { Fill, FundingRow, Position, StoreData } from './schema.js';
import { isHeld } from './queries.js';

/**
 * Profit and loss, in decimal, from the store alone (design.md §5). Pure: prices come in as
 * arguments, so the same numbers come out after a restart.
 *
 *   fees        Σ fill.feeUsdt (base-asset commissions already valued at the fill price)
 *   basis PnL   spot leg (exit − entry) × qty + short futures leg (entry − exit) × qty;
 *               realized by each close/unwind fill at its price against the position's VWAP
 *               entry; unrealized on the held quantities at spot bid / futures ask (or mark)
 *   net         funding + realized basis − fees
 *   total       net + unrealized
 *   APR         total / capital / days × 365, capital = spot cost + futures notional / LEVERAGE;
 *               over several positions the denominator is Σ capital × days (capital-days)
 */

export const DAY_MS = 86_400_000;
export type Period = '7d' | '30d' | 'all';
export const PERIODS: readonly Period[] = ['7d', '30d', 'all'];

export function periodStart(period: Period, now: number): number | undefined {
  if (period === '7d') return now - 7 * DAY_MS;
  if (period === '30d') return now - 30 * DAY_MS;
  return undefined;
}

/** Current prices of a symbol for marking the held legs. */
export interface LegPrices {
  /** what the spot would sell at */
  spotBid: string;
  /** what buying back the short would cost; falls back to markPrice when absent */
  futuresAsk?: string;
  markPrice?: string;
}

export interface PositionPnl {
  position: Position;
  funding: Decimal;
  fees: Decimal;
  realizedSpot: Decimal;
  realizedFutures: Decimal;
  realized: Decimal;
  /** null when the position holds legs but no prices were given */
  unrealizedSpot: Decimal | null;
  unrealizedFutures: Decimal | null;
  unrealized: Decimal | null;
  net: Decimal;
  total: Decimal;
  capital: Decimal;
  /** days held inside the window */
  days: number;
  /** % per year on capital, null when capital × days is zero */
  apr: number | null;
}

export interface PnlOptions {
  leverage: number;
  now: number;
  /** only fees, funding and realizations at or after this time count */
  since?: number;
}

const inWindow = (t: number, since: number | undefined, now: number) => (since === undefined || t >= since) && t <= now;

/** Capital the position ties up: spot cost plus futures margin, from the opening fills when present. */
export function positionCapital(p: Position, fills: readonly Fill[], leverage: number): Decimal {
  let spotCost = ZERO;
  let futNotional = ZERO;
  let seen = false;
  for (const f of fills) {
    if (f.role !== 'open') continue;
    seen = true;
    if (f.market === 'spot') spotCost = spotCost.plus(f.quoteQty);
    else futNotional = futNotional.plus(f.quoteQty);
  }
  if (!seen) {
    spotCost = dec(p.spotQty).mul(p.spotEntryPrice);
    futNotional = dec(p.futuresQty).mul(p.futuresEntryPrice);
  }
  return spotCost.plus(futNotional.div(leverage));
}

/** Unrealized PnL of the held legs per leg, or null when prices are missing. */
export function unrealizedLegs(p: Position, prices: LegPrices | undefined): { spot: Decimal; futures: Decimal } | null {
  const spotQty = dec(p.spotQty);
  const futQty = dec(p.futuresQty);
  if (spotQty.isZero() && futQty.isZero()) return { spot: ZERO, futures: ZERO };
  const ask = prices?.futuresAsk ?? prices?.markPrice;
  if (!prices || ask === undefined) return null;
  return {
    spot: dec(prices.spotBid).minus(p.spotEntryPrice).mul(spotQty),
    futures: dec(p.futuresEntryPrice).minus(ask).mul(futQty),
  };
}

export function positionPnl(p: Position, fills: readonly Fill[], funding: readonly FundingRow[], prices: LegPrices | undefined, opts: PnlOptions): PositionPnl {
  const { since, now } = opts;
  const fundingSum = funding.reduce((acc, r) => (inWindow(r.time, since, now) ? acc.plus(r.amount) : acc), ZERO);
  let fees = ZERO;
  let realizedSpot = ZERO;
  let realizedFutures = ZERO;
  let closeFills = 0;
  for (const f of fills) {
    if (!inWindow(f.time, since, now)) {
      if (f.role !== 'open') closeFills++;
      continue;
    }
    fees = fees.plus(f.feeUsdt);
    if (f.role === 'open') continue;
    closeFills++;
    if (f.market === 'spot' && f.side === 'SELL') realizedSpot = realizedSpot.plus(dec(f.price).minus(p.spotEntryPrice).mul(f.qty));
    if (f.market === 'futures' && f.side === 'BUY') realizedFutures = realizedFutures.plus(dec(p.futuresEntryPrice).minus(f.price).mul(f.qty));
  }
  // A closed position recorded without close fills (imported or hand-seeded): realize from its exit prices.
  if (closeFills === 0 && p.status === 'closed' && p.closedAt !== undefined && inWindow(p.closedAt, since, now)) {
    if (p.spotExitPrice) realizedSpot = dec(p.spotExitPrice).minus(p.spotEntryPrice).mul(p.spotQty);
    if (p.futuresExitPrice) realizedFutures = dec(p.futuresEntryPrice).minus(p.futuresExitPrice).mul(p.futuresQty);
  }
  const held = isHeld(p) ? unrealizedLegs(p, prices) : { spot: ZERO, futures: ZERO };
  const realized = realizedSpot.plus(realizedFutures);
  const unrealized = held ? held.spot.plus(held.futures) : null;
  const net = fundingSum.plus(realized).minus(fees);
  const total = net.plus(unrealized ?? ZERO);
  const capital = positionCapital(p, fills, opts.leverage);
  const start = Math.max(p.openedAt, since ?? p.openedAt);
  const end = Math.min(p.closedAt ?? now, now);
  const days = Math.max(0, end - start) / DAY_MS;
  const capitalDays = capital.mul(days);
  return {
    position: p,
    funding: fundingSum,
    fees,
    realizedSpot,
    realizedFutures,
    realized,
    unrealizedSpot: held ? held.spot : null,
    unrealizedFutures: held ? held.futures : null,
    unrealized,
    net,
    total,
    capital,
    days,
    apr: capitalDays.gt(0) ? total.div(capitalDays).mul(365).mul(100).toNumber() : null,
  };
}

export interface PnlLine {
  symbol: string;
  positions: number;
  funding: Decimal;
  fees: Decimal;
  realized: Decimal;
  net: Decimal;
  /** open positions marked at current prices; null when some held position had no prices */
  unrealized: Decimal | null;
  total: Decimal;
  capitalDays: Decimal;
  /** longest holding inside the window, days */
  days: number;
  apr: number | null;
}

export interface PnlReport {
  period: Period;
  since?: number;
  now: number;
  mode: Position['mode'];
  /** per symbol, by symbol name */
  rows: PnlLine[];
  total: PnlLine;
  /** funding paid or received with no position open at the time, per symbol (not in the totals) */
  unattributed: Array<{ symbol: string; amount: Decimal; count: number }>;
  /** symbols with held legs but no prices (their unrealized part is unknown) */
  unpriced: string[];
}

function emptyLine(symbol: string): PnlLine {
  return { symbol, positions: 0, funding: ZERO, fees: ZERO, realized: ZERO, net: ZERO, unrealized: ZERO, total: ZERO, capitalDays: ZERO, days: 0, apr: null };
}

function addTo(line: PnlLine, p: PositionPnl): void {
  line.positions++;
  line.funding = line.funding.plus(p.funding);
  line.fees = line.fees.plus(p.fees);
  line.realized = line.realized.plus(p.realized);
  line.net = line.net.plus(p.net);
  line.unrealized = line.unrealized === null || p.unrealized === null ? null : line.unrealized.plus(p.unrealized);
  line.total = line.total.plus(p.total);
  line.capitalDays = line.capitalDays.plus(p.capital.mul(p.days));
  line.days = Math.max(line.days, p.days);
}

function finish(line: PnlLine): PnlLine {
  line.apr = line.capitalDays.gt(0) ? line.total.div(line.capitalDays).mul(365).mul(100).toNumber() : null;
  return line;
}

export interface ReportOptions {
  period: Period;
  now: number;
  leverage: number;
  mode: Position['mode'];
  /** current prices per symbol for held positions */
  prices: ReadonlyMap<string, LegPrices>;
}

/** Groups fills and funding by position in one pass each (stores hold 100k+ funding rows). */
export function indexByPosition(data: StoreData): { fills: Map<string, Fill[]>; funding: Map<string | null, FundingRow[]> } {
  const fills = new Map<string, Fill[]>();
  for (const f of data.fills) {
    const l = fills.get(f.positionId);
    if (l) l.push(f);
    else fills.set(f.positionId, [f]);
  }
  const funding = new Map<string | null, FundingRow[]>();
  for (const r of data.funding) {
    const l = funding.get(r.positionId);
    if (l) l.push(r);
    else funding.set(r.positionId, [r]);
  }
  return { fills, funding };
}

/** The /pnl report: per symbol and total, for the trading mode in use. */
export function pnlReport(data: StoreData, opts: ReportOptions): PnlReport {
  const { now, mode } = opts;
  const since = periodStart(opts.period, now);
  const idx = indexByPosition(data);
  const bySymbol = new Map<string, PnlLine>();
  const total = emptyLine('');
  const unpriced = new Set<string>();

  for (const p of data.positions) {
    if (p.mode !== mode) continue;
    const fills = idx.fills.get(p.id) ?? [];
    const funding = idx.funding.get(p.id) ?? [];
    const active =
      isHeld(p) ||
      (p.closedAt !== undefined && inWindow(p.closedAt, since, now)) ||
      fills.some((f) => inWindow(f.time, since, now)) ||
      funding.some((r) => inWindow(r.time, since, now));
    if (!active) continue;
    const pp = positionPnl(p, fills, funding, opts.prices.get(p.symbol), { leverage: opts.leverage, now, since });
    if (pp.unrealized === null) unpriced.add(p.symbol);
    let line = bySymbol.get(p.symbol);
    if (!line) bySymbol.set(p.symbol, (line = emptyLine(p.symbol)));
    addTo(line, pp);
    addTo(total, pp);
  }

  const loose = new Map<string, { symbol: string; amount: Decimal; count: number }>();
  for (const r of idx.funding.get(null) ?? []) {
    if (r.mode !== mode || !inWindow(r.time, since, now)) continue;
    const u = loose.get(r.symbol) ?? { symbol: r.symbol, amount: ZERO, count: 0 };
    u.amount = u.amount.plus(r.amount);
    u.count++;
    loose.set(r.symbol, u);
  }

  const rows = [...bySymbol.values()].sort((a, b) => a.symbol.localeCompare(b.symbol)).map(finish);
  return {
    period: opts.period,
    since,
    now,
    mode,
    rows,
    total: finish(total),
    unattributed: [...loose.values()].sort((a, b) => a.symbol.localeCompare(b.symbol)),
    unpriced: [...unpriced].sort(),
  };
}

/** Hedge drift of a position: spot held − futures short held (0 when perfectly hedged). */
export function hedgeDrift(p: Position): Decimal {
  return dec(p.spotQty).minus(p.futuresQty);
}

/** Basis % = (futures − spot) / spot × 100; null when spot is zero. */
export function basisPct(spot: string, futures: string): number | null {
  const s = dec(spot);
  if (s.isZero()) return null;
  return dec(futures).minus(s).div(s).mul(100).toNumber();
}

