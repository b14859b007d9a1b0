import { saveLedger } from '../src/ledger/ledgerStore.js';
import { emptyStore, type Fill, type FundingRow, type Position } from '../src/ledger/schema.js';

/**
 * A realistic ledger of N funding rows, written in the current layout (`npm run bench -- fixture
 * --funding-rows N --out FILE`): 20 positions held now on hourly-funding symbols, and behind them
 * closed positions, each with its four fills (open and close of both legs) and its hourly funding
 * rows, in about the proportion of a real account (one fill per 10–12 funding rows). The recent
 * 30 days are the held positions' own funding.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const HELD = 20;
const SYMBOLS = Array.from({ length: 50 }, (_, i) => `C${String(i).padStart(3, '0')}USDT`);
/** funding rows per closed position: ~4 fills per 42 rows, as measured on real accounts */
const ROWS_PER_CLOSED = 42;

export interface FixtureSummary {
  fundingRows: number;
  fills: number;
  positions: number;
  held: number;
}

const money = (v: number) => v.toFixed(8);

function fillOf(p: Position, market: Fill['market'], side: Fill['side'], role: Fill['role'], price: string, time: number, orderId: number): Fill {
  const quote = money(Number(p.futuresQty || '1') * Number(price));
  return {
    id: `${market}:${orderId}`,
    intentId: `i${p.id}${role}`,
    positionId: p.id,
    symbol: p.symbol,
    market,
    side,
    role,
    mode: 'live',
    orderId,
    clientOrderId: `cbi${p.id}${market === 'futures' ? 'F' : 'S'}`,
    qty: p.futuresQty,
    price,
    quoteQty: quote,
    commission: money(Number(quote) * (market === 'spot' ? 0.001 : 0.0005)),
    commissionAsset: 'USDT',
    feeUsdt: money(Number(quote) * (market === 'spot' ? 0.001 : 0.0005)),
    reduceOnly: market === 'futures' && side === 'BUY',
    time,
  };
}

export async function writeLedgerFixture(file: string, fundingRows: number, now: number): Promise<FixtureSummary> {
  const d = emptyStore(now - 3 * 365 * DAY);
  let orderId = 1;
  // the held positions: opened 30 days ago, hourly funding since (or less, for a small N)
  const recentPer = Math.min(30 * 24, Math.floor(fundingRows / 10 / HELD));
  const held: Position[] = [];
  for (let i = 0; i < HELD; i++) {
    const price = (20 + i * 7.5).toFixed(2);
    const openedAt = now - 30 * DAY - i * HOUR;
    const p: Position = { id: `h${i}`, symbol: SYMBOLS[i]!, baseAsset: SYMBOLS[i]!.replace(/USDT$/, ''), mode: 'live', status: 'open', openedAt, spotQty: '100', futuresQty: '100', spotEntryPrice: price, futuresEntryPrice: (Number(price) * 1.0008).toFixed(4), openedBy: 1001 };
    held.push(p);
    d.fills.push(fillOf(p, 'futures', 'SELL', 'open', p.futuresEntryPrice, openedAt, orderId++), fillOf(p, 'spot', 'BUY', 'open', p.spotEntryPrice, openedAt + 5, orderId++));
  }
  // the closed positions, back to back per symbol, ending where the held ones began
  const closedCount = Math.max(0, Math.floor((fundingRows - recentPer * HELD) / ROWS_PER_CLOSED));
  const closed: Position[] = [];
  for (let k = 0; k < closedCount; k++) {
    const symbol = SYMBOLS[k % SYMBOLS.length]!;
    const slot = Math.floor(k / SYMBOLS.length);
    const closedAt = now - 31 * DAY - slot * (ROWS_PER_CLOSED + 2) * HOUR;
    const openedAt = closedAt - (ROWS_PER_CLOSED + 1) * HOUR;
    const price = (10 + (k % 97)).toFixed(2);
    const p: Position = { id: `c${k}`, symbol, baseAsset: symbol.replace(/USDT$/, ''), mode: 'live', status: 'closed', openedAt, closedAt, spotQty: '0', futuresQty: '50', spotEntryPrice: price, futuresEntryPrice: (Number(price) * 1.001).toFixed(4), spotExitPrice: price, futuresExitPrice: price, dustQty: '0', openedBy: 1001 };
    closed.push(p);
    d.fills.push(
      fillOf(p, 'futures', 'SELL', 'open', p.futuresEntryPrice, openedAt, orderId++),
      fillOf(p, 'spot', 'BUY', 'open', p.spotEntryPrice, openedAt + 5, orderId++),
      fillOf(p, 'futures', 'BUY', 'close', price, closedAt, orderId++),
      fillOf(p, 'spot', 'SELL', 'close', price, closedAt + 5, orderId++),
    );
    p.futuresQty = '0';
  }
  d.positions.push(...closed.reverse(), ...held);
  d.cursors.incomeTime = now - HOUR;
  let tran = 1_000_000_000;
  const row = (p: Position, time: number): FundingRow => ({ tranId: String(tran++), symbol: p.symbol, amount: money(0.0001 * 50 * Number(p.futuresEntryPrice) * (1 + (tran % 13) / 10)), asset: 'USDT', time, positionId: p.id, mode: 'live' });
  function* funding(): Generator<FundingRow[]> {
    let page: FundingRow[] = [];
    for (const p of closed) {
      for (let h = 1; h <= ROWS_PER_CLOSED; h++) page.push(row(p, p.openedAt + h * HOUR));
      if (page.length >= 20_000) yield page.splice(0);
    }
    for (let h = recentPer; h >= 1; h--) for (const p of held) page.push(row(p, now - h * HOUR));
    if (page.length) yield page;
  }
  await saveLedger(file, d, { now: () => now, more: funding() });
  return { fundingRows: closedCount * ROWS_PER_CLOSED + recentPer * HELD, fills: d.fills.length, positions: d.positions.length, held: HELD };
}
