import { saveLedger } from '../src/ledger/ledgerStore.js';
import { STORE_VERSION, type Fill, type FundingRow, type Position, type StoreData } from '../src/ledger/schema.js';
import { storeSchema } from '../src/ledger/schema.js';

/**
 * A large, valid store for the load and /pnl benches: `positions` positions over 50 symbols,
 * four fills each (open + close on both legs; the last 10 % still open with two fills), and
 * `funding` rows spread over the positions' lifetimes, about two years of 8-hourly settlements.
 */
export interface BigStoreSize {
  funding: number;
  fills: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export function bigStore(size: BigStoreSize, now: number): StoreData {
  const positionsCount = Math.ceil(size.fills / 4);
  const symbols = Array.from({ length: 50 }, (_, i) => `C${String(i).padStart(3, '0')}USDT`);
  const positions: Position[] = [];
  const fills: Fill[] = [];
  const funding: FundingRow[] = [];
  const start = now - 730 * DAY;
  const span = 730 * DAY;
  let orderId = 1;
  const fill = (p: Position, market: Fill['market'], side: Fill['side'], role: Fill['role'], price: string, time: number): Fill => {
    const id = orderId++;
    const quote = (Number(p.spotQty || '1') * Number(price)).toFixed(8);
    return {
      id: `${market}:${id}`,
      intentId: `i-${p.id}-${role}`,
      positionId: p.id,
      symbol: p.symbol,
      market,
      side,
      role,
      mode: 'live',
      orderId: id,
      clientOrderId: `cb-${id}`,
      qty: p.spotQty,
      price,
      quoteQty: quote,
      commission: (Number(quote) * 0.0005).toFixed(8),
      commissionAsset: 'USDT',
      feeUsdt: (Number(quote) * 0.0005).toFixed(8),
      reduceOnly: market === 'futures' && side === 'BUY',
      time,
    };
  };
  for (let i = 0; i < positionsCount && fills.length < size.fills; i++) {
    const symbol = symbols[i % symbols.length]!;
    const openedAt = start + Math.floor((i / positionsCount) * span);
    const stillOpen = i >= positionsCount * 0.9;
    const closedAt = stillOpen ? undefined : Math.min(now - HOUR, openedAt + 30 * DAY);
    const price = (10 + (i % 97)).toFixed(2);
    const p: Position = {
      id: `p${i}`,
      symbol,
      baseAsset: symbol.replace(/USDT$/, ''),
      mode: 'live',
      status: stillOpen ? 'open' : 'closed',
      openedAt,
      ...(closedAt !== undefined ? { closedAt } : {}),
      spotQty: stillOpen ? '10' : '0',
      futuresQty: stillOpen ? '10' : '0',
      spotEntryPrice: price,
      futuresEntryPrice: (Number(price) * 1.001).toFixed(4),
      openedBy: 1001,
    };
    positions.push(p);
    const sized = { ...p, spotQty: '10' };
    fills.push(fill(sized, 'futures', 'SELL', 'open', p.futuresEntryPrice, openedAt), fill(sized, 'spot', 'BUY', 'open', p.spotEntryPrice, openedAt + 5));
    if (closedAt !== undefined && fills.length < size.fills) {
      fills.push(fill(sized, 'futures', 'BUY', 'close', p.futuresEntryPrice, closedAt), fill(sized, 'spot', 'SELL', 'close', p.spotEntryPrice, closedAt + 5));
      p.futuresExitPrice = p.futuresEntryPrice;
      p.spotExitPrice = p.spotEntryPrice;
    }
  }
  for (let k = 0; k < size.funding; k++) {
    const p = positions[k % positions.length]!;
    const end = p.closedAt ?? now;
    const t = p.openedAt + Math.floor(((k / positions.length) % 90) * 8 * HOUR) % Math.max(1, end - p.openedAt);
    funding.push({
      tranId: String(9_000_000_000 + k),
      symbol: p.symbol,
      amount: (0.0001 * 10 * Number(p.futuresEntryPrice)).toFixed(8),
      asset: 'USDT',
      time: t,
      positionId: p.id,
      mode: 'live',
    });
  }
  funding.sort((a, b) => a.time - b.time);
  return storeSchema.parse({ version: STORE_VERSION, createdAt: start, positions, fills, funding, cursors: { incomeTime: now, paperFunding: {} } });
}

export async function writeBigStore(file: string, size: BigStoreSize, now: number): Promise<StoreData> {
  const data = bigStore(size, now);
  await saveLedger(file, data, { now: () => now });
  return data;
}
