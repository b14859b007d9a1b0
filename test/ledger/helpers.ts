import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Fill, Position, StoreData } from '../../src/ledger/schema.js';
import { openLedger, type Ledger } from '../../src/ledger/ledger.js';
import type { Audience, DomainEvent } from '../../src/events.js';
import type { OpenStoreOptions } from '../../src/ledger/store.js';
import type { OutgoingMessage, Translator } from '../../src/notify.js';
import { renderDomainEvent } from '../../src/telegram/events.js';
import type { SymbolSignal } from '../../src/market/types.js';

/** Seeds and stubs shared by the ledger tests. */

export const silent = pino({ level: 'silent' });

export const HOUR = 3_600_000;
export const DAY = 86_400_000;
/** 2025-01-01T00:00:00Z: a funding settlement instant (00/08/16 UTC) */
export const T0 = Date.UTC(2025, 0, 1);

export interface TempStore {
  dir: string;
  file: string;
  ledger: Ledger;
  reopen(): Promise<Ledger>;
  /** another ledger on this file (a second process, a restart): closed by cleanup() */
  open(opts?: OpenStoreOptions): Promise<Ledger>;
  cleanup(): Promise<void>;
}

export async function tempStore(now = () => T0): Promise<TempStore> {
  const dir = await mkdtemp(join(tmpdir(), 'carrybot-ledger-'));
  const file = join(dir, 'store.json');
  const others: Ledger[] = [];
  const ts: TempStore = {
    dir,
    file,
    ledger: await openLedger(file, { logger: silent, now }),
    async reopen() {
      await ts.ledger.close();
      ts.ledger = await openLedger(file, { logger: silent, now });
      return ts.ledger;
    },
    async open(opts) {
      const ledger = await openLedger(file, { logger: silent, ...opts });
      others.push(ledger);
      return ledger;
    },
    // the journals hold file handles: every ledger is closed before its files go
    async cleanup() {
      for (const ledger of [ts.ledger, ...others]) await ledger.close().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
  return ts;
}

export function position(over: Partial<Position> & Pick<Position, 'id' | 'symbol'>): Position {
  return {
    baseAsset: over.symbol.replace(/USDT$/, ''),
    mode: 'live',
    status: 'open',
    openedAt: T0,
    spotQty: '0',
    futuresQty: '0',
    spotEntryPrice: '0',
    futuresEntryPrice: '0',
    ...over,
  };
}

let fillSeq = 1;
export function fill(p: Pick<Position, 'id' | 'symbol' | 'mode'>, over: Partial<Fill> & Pick<Fill, 'market' | 'side' | 'role' | 'qty' | 'price' | 'feeUsdt' | 'time'>): Fill {
  const orderId = String(fillSeq++);
  return {
    id: `${over.market}:${orderId}`,
    intentId: `i-${p.id}`,
    positionId: p.id,
    symbol: p.symbol,
    mode: p.mode,
    orderId,
    clientOrderId: `c${orderId}`,
    quoteQty: (Number(over.qty) * Number(over.price)).toString(),
    commission: over.feeUsdt,
    commissionAsset: 'USDT',
    reduceOnly: false,
    ...over,
  };
}

export async function seed(ledger: Ledger, change: (d: StoreData) => void): Promise<void> {
  await ledger.rewrite(change);
}

/** A translator that prints keys and raw params, so tests can assert on numbers exactly. */
export const keyTranslator: Translator = {
  lang: 'test',
  t: (key, params) => (params ? `${key} ${JSON.stringify(params)}` : key),
  num: (v, d = 2, o) => {
    const s = typeof v === 'string' ? v : v.toFixed(d);
    return o?.sign && Number(s) > 0 ? `+${s}` : s;
  },
  pct: (v, d = 2) => `${v.toFixed(d)}%`,
  usdt: (v) => `${v} USDT`,
  time: (ms) => new Date(ms).toISOString(),
  countdown: (ms) => `@${ms}`,
};

/**
 * What the domain wrote to the outbox, rendered in a fixed translator: `audience` has users 1
 * (alerts on) and 2 (alerts off); `sent` is chat 1's queue, each message marked `toEveryone`
 * when chat 2 is owed it too (critical alerts go to everyone, signal-type alerts only to those
 * with alerts on).
 */
export interface OutboxRecorder {
  audience: Audience;
  readonly sent: Array<OutgoingMessage & { toEveryone: boolean }>;
}

export function outboxRecorder(ledger: () => Ledger, t: Translator = keyTranslator): OutboxRecorder {
  return {
    audience: { all: () => [1, 2], alerts: () => [1] },
    get sent() {
      const other = ledger().queuedFor(2).map((e) => JSON.stringify(e.event));
      return ledger()
        .queuedFor(1)
        .map((e) => ({ ...renderDomainEvent(t, e.event as unknown as DomainEvent), toEveryone: other.includes(JSON.stringify(e.event)) }));
    },
  };
}

export function signal(symbol: string, over: Partial<SymbolSignal> = {}): SymbolSignal {
  return {
    symbol,
    baseAsset: symbol.replace(/USDT$/, ''),
    intervalHours: 8,
    periodsPerDay: 3,
    rate: 0.0001,
    apr: 10.95,
    apr7d: 10.95,
    settlements7d: 21,
    basisPct: 0.05,
    roundTripFeePct: 0.3,
    breakEvenDays: 10,
    netApr: 7.3,
    capitalApr: 3.65,
    markPrice: '60000',
    spotAsk: '60000.01',
    spotBid: '60000',
    futuresBid: '60010',
    futuresAsk: '60010.1',
    nextFundingTime: T0 + 8 * HOUR,
    warnings: [],
    isSignal: false,
    ...over,
  };
}
