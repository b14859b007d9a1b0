import { Decimal, ZERO, dec } from '../money.js';
import type { Fill, FundingRow, Position, StoreData } from './schema.js';
import { isHeld } from './queries.js';

/**
 * Profit and loss, in decimal, from the store alone. Pure: prices come in as
 * arguments, so the same numbers come out after a restart.
 *
 *   fees        Σ fill.feeUsdt (base-asset commissions already valued at the fill price)
 *   basis PnL   spot leg (exit − entry) × qty + short futures leg (entry − exit) × qty;
 *               realized by each close/unwind fill at its price against the position's VWAP
 *               entry; unrealized on the held quantities at spot bid / futures ask (or mark)
 *   net         funding + realized basis − fees
 *   total       net + unrealized
 *   APR         net / capital / days × 365 (unrealized shown apart, not in it),
 *               capital = spot cost + futures notional / LEVERAGE;
 *               over several positions the denominator is Σ capital × days (capital-days)
 */

export const DAY_MS = 86_400_000;

/*
 * Fixed-point arithmetic for the report. /pnl all over 100k funding rows and 10k fills was
 * 130-250 ms, nearly all of it decimal.js objects made per row and per position. Here every
 * figure is computed as a BigInt count of 10^-scale and becomes a Decimal once per figure shown;
 * no money value ever passes through a binary float.
 *
 * It reproduces decimal.js to the last digit: the money Decimal rounds every +, −, ×, ÷ to 40
 * significant digits (half-even), and so does every operation here (fxRound), in the same order
 * as the decimal.js code it replaced. Rounding only ever bites past 40 significant digits — not
 * in any realistic ledger — so in practice every figure is simply exact.
 *
 * Row sums (ExactSum) are a BigInt count of 10^-scale; the scale widens to the longest fraction
 * seen, so no row is ever cut short (Binance income has 8 decimals; fees valued at the fill price
 * and paper accruals rate × qty × mark up to SUM_SCALE = 8 + 8 + 8).
 * While every partial sum stays below 10^40 units (≤ 40 significant digits) the running sum is
 * exact, which is what row-by-row Decimal.plus gives too; past that the sum goes row by row with
 * fxRound, as Decimal.plus did. Strings that are not plain decimals (exponent form; the store
 * schema admits none) go through decimal.js's parser first, which throws on garbage as before.
 */

/** An exact decimal: u × 10^-s (s ≥ 0). */
interface Fx {
  u: bigint;
  s: number;
}

/** Decimals a stored amount can have from rate × qty × mark (tests cover this range and beyond). */
export const SUM_SCALE = 24;
const PRECISION = Decimal.precision;
if (Decimal.rounding !== Decimal.ROUND_HALF_EVEN) throw new Error('pnl.ts fixed point assumes the money Decimal rounds half-even');
const PLAIN = /^-?\d+(?:\.\d+)?$/;
const POW10N: bigint[] = [];
const pow10n = (n: number): bigint => (POW10N[n] ??= 10n ** BigInt(n));
/** below this many units a value has at most PRECISION significant digits: nothing to round */
const SD_LIMIT = pow10n(PRECISION);
const FX_ZERO: Fx = { u: 0n, s: 0 };

/**
 * u rounded to PRECISION significant digits, half-even (trailing zeros kept, so the scale stays).
 * `sticky`: the true value lies strictly beyond |u| (a division remainder was dropped).
 */
function roundUnits(u: bigint, sticky = false): bigint {
  const neg = u < 0n;
  const abs = neg ? -u : u;
  if (abs < SD_LIMIT && !sticky) return u;
  const drop = abs.toString().length - PRECISION;
  if (drop <= 0) return u; // (sticky only comes with ≥ PRECISION + 1 digits)
  const p = pow10n(drop);
  let q = abs / p;
  const r = abs % p;
  const half = p / 2n;
  if (r > half || (r === half && (sticky || q % 2n === 1n))) q += 1n;
  const out = q * p;
  return neg ? -out : out;
}

const fxRound = (a: Fx): Fx => {
  const u = roundUnits(a.u);
  return u === a.u ? a : { u, s: a.s };
};

/** Parses a decimal string exactly (like the Decimal constructor, which does not round). */
function fx(v: string): Fx {
  if (!PLAIN.test(v)) v = new Decimal(v).toFixed(); // exponent form; throws on garbage
  const dot = v.indexOf('.');
  return dot < 0 ? { u: BigInt(v), s: 0 } : { u: BigInt(v.slice(0, dot) + v.slice(dot + 1)), s: v.length - dot - 1 };
}

/** A JS number exactly as decimal.js reads it (its shortest round-trip string). */
const fxNumber = (n: number): Fx => fx(String(n));

/** a + b, rounded like Decimal.plus */
function fxAdd(a: Fx, b: Fx): Fx {
  if (b.u === 0n) return fxRound(a);
  if (a.u === 0n) return fxRound(b);
  if (a.s === b.s) return fxRound({ u: a.u + b.u, s: a.s });
  return fxRound(a.s > b.s ? { u: a.u + b.u * pow10n(a.s - b.s), s: a.s } : { u: a.u * pow10n(b.s - a.s) + b.u, s: b.s });
}
/** a − b, rounded like Decimal.minus */
const fxSub = (a: Fx, b: Fx): Fx => fxAdd(a, { u: -b.u, s: b.s });
/** a × b, rounded like Decimal.mul */
const fxMul = (a: Fx, b: Fx): Fx => fxRound({ u: a.u * b.u, s: a.s + b.s });

/** a ÷ n (the leverage: a whole number from 1 to 20), rounded like Decimal.div. */
function fxDivInt(a: Fx, n: number): Fx {
  if (n === 1 || a.u === 0n) return fxRound(a);
  if (!Number.isSafeInteger(n) || n < 1) return fx(fxDec(a).div(n).toFixed()); // not a leverage config allows; decimal.js as before
  const d = BigInt(n);
  const abs = a.u < 0n ? -a.u : a.u;
  // enough digits that the quotient carries PRECISION + 1 of them before rounding
  const k = Math.max(0, PRECISION + 2 - abs.toString().length + String(n).length);
  const num = abs * pow10n(k);
  const q = num / d;
  const u = roundUnits(q, num % d !== 0n);
  return { u: a.u < 0n ? -u : u, s: a.s + k };
}

/** The value as a money Decimal (already ≤ 40 significant digits: the conversion is exact). */
function fxDec(a: Fx): Decimal {
  if (a.u === 0n) return ZERO;
  if (a.s === 0) return new Decimal(a.u.toString());
  const neg = a.u < 0n;
  const digits = (neg ? -a.u : a.u).toString().padStart(a.s + 1, '0');
  return new Decimal(`${neg ? '-' : ''}${digits.slice(0, -a.s)}.${digits.slice(-a.s)}`);
}

/** Σ of decimal strings, equal to row-by-row Decimal.plus from zero (see above). */
export class ExactSum {
  /** units of 10^-scale; every partial sum exact while |big| < 10^PRECISION */
  private big = 0n;
  private scale = 0;
  /** partial sums may need rounding: add one row at a time, rounded as Decimal.plus does */
  private strict = false;

  add(v: string): this {
    return this.addFx(fx(v));
  }

  /** adds an amount already parsed (a row read many times parses once: see amountOf) */
  addFx(a: Fx): this {
    if (a.s > this.scale) {
      this.big *= pow10n(a.s - this.scale);
      this.scale = a.s;
    }
    const next = this.big + a.u * pow10n(this.scale - a.s);
    if (this.strict || (next < 0n ? -next : next) >= SD_LIMIT) {
      // past 40 significant digits decimal.js rounds each partial sum; do the same from here on
      this.strict = true;
      this.big = roundUnits(next);
    } else {
      this.big = next;
    }
    return this;
  }

  /** The sum, exactly as decimal.js would have it. */
  fx(): Fx {
    return { u: this.big, s: this.scale };
  }

  /** The sum as a money Decimal. */
  value(): Decimal {
    return fxDec(this.fx());
  }
}

/** A funding row's amount, parsed once per row object (the recent rows are summed by every report). */
const parsedAmounts = new WeakMap<FundingRow, Fx>();
function amountOf(r: FundingRow): Fx {
  let a = parsedAmounts.get(r);
  if (!a) parsedAmounts.set(r, (a = fx(r.amount)));
  return a;
}

/** Σ of decimal strings, as row-by-row Decimal.plus would give it (see ExactSum), without a Decimal per row. */
export function exactSum(values: Iterable<string>): Decimal {
  const acc = new ExactSum();
  for (const v of values) acc.add(v);
  return acc.value();
}

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
  /** % per year on capital from NET (unrealized is not in it), null when capital × days is zero */
  apr: number | null;
}

export interface PnlOptions {
  leverage: number;
  now: number;
  /** only fees, funding and realizations at or after this time count */
  since?: number;
}

const inWindow = (t: number, since: number | undefined, now: number) => (since === undefined || t >= since) && t <= now;

/** One position's figures, in fixed point, each as decimal.js would have computed it. */
interface PositionCore {
  funding: Fx;
  fees: Fx;
  realizedSpot: Fx;
  realizedFutures: Fx;
  /** null when the position holds legs but no prices were given */
  unrealizedSpot: Fx | null;
  unrealizedFutures: Fx | null;
  /** capital = spotCost + futNotional / leverage */
  spotCost: Fx;
  futNotional: Fx;
  days: number;
}

/** Spot cost and futures notional: from the opening fills when present, else the position's record. */
function capitalParts(p: Position, fills: readonly Fill[]): { spotCost: Fx; futNotional: Fx } {
  const spot = new ExactSum();
  const fut = new ExactSum();
  let seen = false;
  for (const f of fills) {
    if (f.role !== 'open') continue;
    seen = true;
    if (f.market === 'spot') spot.add(f.quoteQty);
    else fut.add(f.quoteQty);
  }
  if (seen) return { spotCost: spot.fx(), futNotional: fut.fx() };
  return { spotCost: fxMul(fx(p.spotQty), fx(p.spotEntryPrice)), futNotional: fxMul(fx(p.futuresQty), fx(p.futuresEntryPrice)) };
}

/** spot cost + futures notional / leverage */
const capitalOf = (c: { spotCost: Fx; futNotional: Fx }, leverage: number): Fx => fxAdd(c.spotCost, fxDivInt(c.futNotional, leverage));

function unrealizedCore(p: Position, prices: LegPrices | undefined): { spot: Fx; futures: Fx } | null {
  const spotQty = fx(p.spotQty);
  const futQty = fx(p.futuresQty);
  if (spotQty.u === 0n && futQty.u === 0n) return { spot: FX_ZERO, futures: FX_ZERO };
  const ask = prices?.futuresAsk ?? prices?.markPrice;
  if (!prices || ask === undefined) return null;
  return {
    spot: fxMul(fxSub(fx(prices.spotBid), fx(p.spotEntryPrice)), spotQty),
    futures: fxMul(fxSub(fx(p.futuresEntryPrice), fx(ask)), futQty),
  };
}

/** Σ of the funding rows inside the window, in row order. */
function fundingIn(funding: readonly FundingRow[], since: number | undefined, now: number): Fx {
  const sum = new ExactSum();
  for (const r of funding) if (inWindow(r.time, since, now)) sum.add(r.amount);
  return sum.fx();
}

/** `funding`: the position's funding inside the window, already summed. */
function positionCore(p: Position, fills: readonly Fill[], funding: Fx, prices: LegPrices | undefined, since: number | undefined, now: number): PositionCore {
  const fees = new ExactSum();
  let realizedSpot = FX_ZERO;
  let realizedFutures = FX_ZERO;
  let spotEntry: Fx | undefined;
  let futEntry: Fx | undefined;
  let closeFills = 0;
  for (const f of fills) {
    if (!inWindow(f.time, since, now)) {
      if (f.role !== 'open') closeFills++;
      continue;
    }
    fees.add(f.feeUsdt);
    if (f.role === 'open') continue;
    closeFills++;
    if (f.market === 'spot' && f.side === 'SELL') realizedSpot = fxAdd(realizedSpot, fxMul(fxSub(fx(f.price), (spotEntry ??= fx(p.spotEntryPrice))), fx(f.qty)));
    if (f.market === 'futures' && f.side === 'BUY') realizedFutures = fxAdd(realizedFutures, fxMul(fxSub((futEntry ??= fx(p.futuresEntryPrice)), fx(f.price)), fx(f.qty)));
  }
  // A closed position recorded without close fills (imported or hand-seeded): realize from its exit prices.
  if (closeFills === 0 && p.status === 'closed' && p.closedAt !== undefined && inWindow(p.closedAt, since, now)) {
    if (p.spotExitPrice) realizedSpot = fxMul(fxSub(fx(p.spotExitPrice), fx(p.spotEntryPrice)), fx(p.spotQty));
    if (p.futuresExitPrice) realizedFutures = fxMul(fxSub(fx(p.futuresEntryPrice), fx(p.futuresExitPrice)), fx(p.futuresQty));
  }
  const held = isHeld(p) ? unrealizedCore(p, prices) : { spot: FX_ZERO, futures: FX_ZERO };
  const start = Math.max(p.openedAt, since ?? p.openedAt);
  const end = Math.min(p.closedAt ?? now, now);
  return {
    funding,
    fees: fees.fx(),
    realizedSpot,
    realizedFutures,
    unrealizedSpot: held ? held.spot : null,
    unrealizedFutures: held ? held.futures : null,
    ...capitalParts(p, fills),
    days: Math.max(0, end - start) / DAY_MS,
  };
}

/** net = funding + realized − fees; total = net + unrealized (0 when unknown). */
function netOf(c: PositionCore): { realized: Fx; unrealized: Fx | null; net: Fx; total: Fx } {
  const realized = fxAdd(c.realizedSpot, c.realizedFutures);
  const unrealized = c.unrealizedSpot && c.unrealizedFutures ? fxAdd(c.unrealizedSpot, c.unrealizedFutures) : null;
  const net = fxSub(fxAdd(c.funding, realized), c.fees);
  return { realized, unrealized, net, total: unrealized ? fxAdd(net, unrealized) : net };
}

/**
 * APR on capital = net / capital / days × 365. Net, not total: unrealized PnL is
 * everything since opening while capital-days are only the window's, so a 7d/30d APR with it
 * would credit a quiet week with months of mark-to-market.
 */
const aprOf = (net: Decimal, capitalDays: Decimal): number | null => (capitalDays.gt(0) ? net.div(capitalDays).mul(365).mul(100).toNumber() : null);

/** `funding`: the position's rows, or (over all time only) their running sum. */
export function positionPnl(p: Position, fills: readonly Fill[], funding: readonly FundingRow[] | ExactSum, prices: LegPrices | undefined, opts: PnlOptions): PositionPnl {
  if (funding instanceof ExactSum && opts.since !== undefined) throw new Error('a funding sum only answers over all time');
  const c = positionCore(p, fills, funding instanceof ExactSum ? funding.fx() : fundingIn(funding, opts.since, opts.now), prices, opts.since, opts.now);
  const n = netOf(c);
  const total = fxDec(n.total);
  const capital = fxDec(capitalOf(c, opts.leverage));
  return {
    position: p,
    funding: fxDec(c.funding),
    fees: fxDec(c.fees),
    realizedSpot: fxDec(c.realizedSpot),
    realizedFutures: fxDec(c.realizedFutures),
    realized: fxDec(n.realized),
    unrealizedSpot: c.unrealizedSpot && fxDec(c.unrealizedSpot),
    unrealizedFutures: c.unrealizedFutures && fxDec(c.unrealizedFutures),
    unrealized: n.unrealized && fxDec(n.unrealized),
    net: fxDec(n.net),
    total,
    capital,
    days: c.days,
    apr: aprOf(fxDec(n.net), capital.mul(c.days)),
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
  /** % per year on capital from NET over the window's capital-days (unrealized shown apart, not in it) */
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

/** A /pnl line while positions are added to it, exact. */
interface LineAcc {
  symbol: string;
  positions: number;
  funding: Fx;
  fees: Fx;
  realized: Fx;
  net: Fx;
  unrealized: Fx | null;
  total: Fx;
  capitalDays: Fx;
  days: number;
}

function emptyLine(symbol: string): LineAcc {
  return { symbol, positions: 0, funding: FX_ZERO, fees: FX_ZERO, realized: FX_ZERO, net: FX_ZERO, unrealized: FX_ZERO, total: FX_ZERO, capitalDays: FX_ZERO, days: 0 };
}

function addTo(line: LineAcc, c: PositionCore, n: ReturnType<typeof netOf>, capitalDays: Fx): void {
  line.positions++;
  line.funding = fxAdd(line.funding, c.funding);
  line.fees = fxAdd(line.fees, c.fees);
  line.realized = fxAdd(line.realized, n.realized);
  line.net = fxAdd(line.net, n.net);
  line.unrealized = line.unrealized === null || n.unrealized === null ? null : fxAdd(line.unrealized, n.unrealized);
  line.total = fxAdd(line.total, n.total);
  line.capitalDays = fxAdd(line.capitalDays, capitalDays);
  line.days = Math.max(line.days, c.days);
}

function finish(line: LineAcc): PnlLine {
  const total = fxDec(line.total);
  const capitalDays = fxDec(line.capitalDays);
  return {
    symbol: line.symbol,
    positions: line.positions,
    funding: fxDec(line.funding),
    fees: fxDec(line.fees),
    realized: fxDec(line.realized),
    net: fxDec(line.net),
    unrealized: line.unrealized && fxDec(line.unrealized),
    total,
    capitalDays,
    days: line.days,
    apr: aprOf(fxDec(line.net), capitalDays),
  };
}

export interface ReportOptions {
  period: Period;
  now: number;
  leverage: number;
  mode: Position['mode'];
  /** current prices per symbol for held positions */
  prices: ReadonlyMap<string, LegPrices>;
}

/**
 * What a report is computed from: the positions (in the order they were opened), their fills,
 * and either the funding rows to walk or, for a report over all time, the running sums per
 * position and per unattributed symbol (src/ledger/fundingSums.ts).
 */
export interface PnlSource {
  positions: Iterable<Position>;
  /** all-time lines of settled positions kept between reports (see SettledLines) */
  settled?: SettledLines;
  fillsOf(positionId: string): readonly Fill[];
  funding:
    | { rows: Iterable<FundingRow> }
    | { sums: { byPosition: ReadonlyMap<string, { sum: ExactSum }>; loose: Iterable<{ mode: Position['mode']; symbol: string; sum: ExactSum; count: number }> } };
}

/** A source over the whole ledger as one document: every row walked (the reference computation). */
export function documentSource(data: Pick<StoreData, 'positions' | 'fills' | 'funding'>): PnlSource {
  const fillsBy = new Map<string, Fill[]>();
  for (const f of data.fills) {
    const l = fillsBy.get(f.positionId);
    if (l) l.push(f);
    else fillsBy.set(f.positionId, [f]);
  }
  return { positions: data.positions, fillsOf: (id) => fillsBy.get(id) ?? [], funding: { rows: data.funding } };
}

/** Funding inside the window per position, and unattributed per symbol. */
function fundingOf(src: PnlSource, since: number | undefined, now: number, mode: Position['mode']): { fundingBy: Pick<Map<string, ExactSum>, 'get' | 'has'>; loose: Map<string, { symbol: string; sum: ExactSum; count: number }> } {
  const fundingBy = new Map<string, ExactSum>();
  const loose = new Map<string, { symbol: string; sum: ExactSum; count: number }>();
  if ('sums' in src.funding) {
    // running sums cover every row ever recorded: only a report over all time can use them
    if (since !== undefined) throw new Error('funding sums only answer a report over all time');
    const { byPosition } = src.funding.sums;
    for (const u of src.funding.sums.loose) if (u.mode === mode) loose.set(u.symbol, u);
    return { fundingBy: { get: (id) => byPosition.get(id)?.sum, has: (id) => byPosition.has(id) }, loose };
  }
  // One pass over the funding rows (the long side): in-window sums per position, in row order
  // (what summing each position's rows would give), and unattributed rows per symbol.
  for (const r of src.funding.rows) {
    if (!inWindow(r.time, since, now)) continue;
    if (r.positionId === null) {
      if (r.mode !== mode) continue;
      let u = loose.get(r.symbol);
      if (!u) loose.set(r.symbol, (u = { symbol: r.symbol, sum: new ExactSum(), count: 0 }));
      u.sum.addFx(amountOf(r));
      u.count++;
      continue;
    }
    let acc = fundingBy.get(r.positionId);
    if (!acc) fundingBy.set(r.positionId, (acc = new ExactSum()));
    acc.addFx(amountOf(r));
  }
  return { fundingBy, loose };
}

/**
 * All-time figures of settled positions (closed before the report's `now`: nothing about them
 * changes unless a fill or a funding row for them is recorded), per mode, leverage and symbol,
 * kept between reports so /pnl all does not recompute thousands of closed positions each time.
 * The ledger marks a symbol stale whenever it records anything for it.
 */
export class SettledLines {
  private readonly lines = new Map<string, LineAcc>();
  stale(symbol: string): void {
    for (const k of this.lines.keys()) if (k.endsWith(` ${symbol}`)) this.lines.delete(k);
  }
  get(key: string): LineAcc | undefined {
    return this.lines.get(key);
  }
  set(key: string, line: LineAcc): void {
    this.lines.set(key, line);
  }
}

/** The /pnl report: per symbol and total, for the trading mode in use. */
export function pnlReport(src: PnlSource, opts: ReportOptions): PnlReport {
  const { now, mode } = opts;
  const since = periodStart(opts.period, now);
  const { fundingBy, loose } = fundingOf(src, since, now, mode);
  const settled = since === undefined ? src.settled : undefined;

  const bySymbol = new Map<string, LineAcc>();
  let total = emptyLine('');
  const unpriced = new Set<string>();
  /** settled positions per symbol whose line is not cached yet; held ones after them */
  const toSettle = new Map<string, Position[]>();
  const later: Position[] = [];
  const add = (line: LineAcc, p: Position, toTotal: boolean): void => {
    const fills = src.fillsOf(p.id);
    const funding = fundingBy.get(p.id);
    const active =
      isHeld(p) ||
      (p.closedAt !== undefined && inWindow(p.closedAt, since, now)) ||
      funding !== undefined ||
      fills.some((f) => inWindow(f.time, since, now));
    if (!active) return;
    const c = positionCore(p, fills, funding ? funding.fx() : FX_ZERO, opts.prices.get(p.symbol), since, now);
    const n = netOf(c);
    if (n.unrealized === null) unpriced.add(p.symbol);
    const capitalDays = c.days === 0 ? FX_ZERO : fxMul(capitalOf(c, opts.leverage), fxNumber(c.days));
    addTo(line, c, n, capitalDays);
    if (toTotal) addTo(total, c, n, capitalDays);
  };
  const lineOf = (symbol: string): LineAcc => {
    let line = bySymbol.get(symbol);
    if (!line) bySymbol.set(symbol, (line = emptyLine(symbol)));
    return line;
  };
  /** per symbol: its cached settled line (copied into bySymbol once), or null when there is none */
  const cachedOf = new Map<string, LineAcc | null>();
  for (const p of src.positions) {
    if (p.mode !== mode) continue;
    // closed (a day's margin for late fills) before a window opened, with no funding in it: nothing to add
    if (since !== undefined && !isHeld(p) && p.closedAt !== undefined && p.closedAt < since - DAY_MS && !fundingBy.has(p.id)) continue;
    if (!settled) add(lineOf(p.symbol), p, true);
    else if (!isHeld(p) && p.closedAt !== undefined && p.closedAt <= now) {
      let cached = cachedOf.get(p.symbol);
      if (cached === undefined) {
        cachedOf.set(p.symbol, (cached = settled.get(`${mode} ${opts.leverage} ${p.symbol}`) ?? null));
        if (cached) bySymbol.set(p.symbol, { ...cached });
      }
      if (cached) continue;
      const list = toSettle.get(p.symbol);
      if (list) list.push(p);
      else toSettle.set(p.symbol, [p]);
    } else later.push(p);
  }
  if (settled) {
    for (const [symbol, list] of toSettle) {
      const line = emptyLine(symbol);
      for (const p of list) add(line, p, false);
      settled.set(`${mode} ${opts.leverage} ${symbol}`, line);
      bySymbol.set(symbol, { ...line });
    }
    // held (and not yet settled) positions come after a symbol's settled ones, as they opened
    for (const p of later) add(lineOf(p.symbol), p, false);
    for (const line of bySymbol.values()) total = mergeLines(total, line);
  }

  const rows = [...bySymbol.values()]
    .filter((l) => l.positions > 0)
    .sort((a, b) => a.symbol.localeCompare(b.symbol))
    .map(finish);
  return {
    period: opts.period,
    since,
    now,
    mode,
    rows,
    total: finish(total),
    unattributed: [...loose.values()]
      .sort((a, b) => a.symbol.localeCompare(b.symbol))
      .map((u) => ({ symbol: u.symbol, amount: u.sum.value(), count: u.count })),
    unpriced: [...unpriced].sort(),
  };
}

/** a + b, line by line (the total of cached symbol lines) */
function mergeLines(a: LineAcc, b: LineAcc): LineAcc {
  return {
    symbol: a.symbol,
    positions: a.positions + b.positions,
    funding: fxAdd(a.funding, b.funding),
    fees: fxAdd(a.fees, b.fees),
    realized: fxAdd(a.realized, b.realized),
    net: fxAdd(a.net, b.net),
    unrealized: a.unrealized === null || b.unrealized === null ? null : fxAdd(a.unrealized, b.unrealized),
    total: fxAdd(a.total, b.total),
    capitalDays: fxAdd(a.capitalDays, b.capitalDays),
    days: Math.max(a.days, b.days),
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

