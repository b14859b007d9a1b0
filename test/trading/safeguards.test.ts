import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { FuturesApi, SpotApi } from '../../src/binance/types.js';
import { ExchangeError, RejectedError, UnknownOutcomeError, UserError } from '../../src/errors.js';
import type { TradeEvent } from '../../src/events.js';
import { openLedger, type Ledger } from '../../src/ledger/ledger.js';
import { dec } from '../../src/money.js';
import { createExecutor, type Outcome } from '../../src/trading/executor.js';
import { createLivePort } from '../../src/trading/live.js';
import type { ExchangePort, LegFill, OrderRequest } from '../../src/trading/port.js';
import { checkCaps } from '../../src/trading/risk.js';
import { CHAT, USER, harnessPerTest, silent } from './helpers.js';

/**
 * Money-path safeguards: each test pins one failure mode (a second sell, a premature "absent",
 * a stale price under the lock, a naked short outside the cap …) against a scripted port (what the
 * executor decides) or the fake Binance (what crossed the wire).
 */

let oid = 1;
const fillOf = (o: OrderRequest, qty = o.qty, price = '100'): LegFill => ({
  orderId: String(oid++),
  clientOrderId: o.clientOrderId,
  status: 'FILLED',
  executedQty: qty,
  avgPrice: price,
  quoteQty: dec(qty).mul(price).toFixed(),
  commission: '0',
  commissionAsset: 'USDT',
  feeUsdt: '0',
  baseCommission: '0',
  time: Date.now(),
  exact: true,
});

interface Sent {
  market: 'spot' | 'futures';
  o: OrderRequest;
}

/** A scripted live port: every order fills unless a handler says otherwise. */
function scripted(over: Partial<ExchangePort> = {}) {
  const sent: Sent[] = [];
  const base: ExchangePort = {
    mode: 'live',
    placeFutures: async (o) => fillOf(o),
    placeSpot: async (o) => fillOf(o),
    queryOrder: async () => null,
    completeFill: async (_m, _s, f) => f,
    books: async () => ({ spotBid: '100', spotAsk: '100', futuresBid: '100', futuresAsk: '100', fundingRate: '0.0001' }),
    rules: async () => ({}),
    account: async () => null,
    feeRates: async () => ({ spotTaker: '0.001', spotTakerBnb: '0.001', bnbDiscount: false, futuresTaker: '0.0005', source: 'config' }),
    spotAvgPrice: async () => '100',
    setLeverage: async () => undefined,
  };
  const p: ExchangePort = { ...base, ...over };
  const port: ExchangePort = {
    mode: 'live',
    placeFutures: (o) => (sent.push({ market: 'futures', o }), p.placeFutures(o)),
    placeSpot: (o) => (sent.push({ market: 'spot', o }), p.placeSpot(o)),
    queryOrder: (m, sym, cid) => p.queryOrder(m, sym, cid),
    completeFill: (m, sym, f) => p.completeFill(m, sym, f),
    books: (sym) => p.books(sym),
    rules: (sym) => p.rules(sym),
    account: () => p.account(),
    feeRates: (sym) => p.feeRates(sym),
    spotAvgPrice: (sym) => p.spotAvgPrice(sym),
    setLeverage: (sym, l) => p.setLeverage(sym, l),
  };
  return { port, sent, set: (o: Partial<ExchangePort>) => Object.assign(p, o) };
}

let dir: string;
let ledger: Ledger;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'carrybot-review-'));
  ledger = await openLedger(join(dir, 's.json'), { logger: silent });
});
afterEach(async () => {
  await ledger.close();
  await rm(dir, { recursive: true, force: true });
});

/** executor on a controllable clock; sleep moves it on */
function executorOn(port: ExchangePort) {
  const clock = { t: 1_700_000_000_000 };
  const ex = createExecutor({
    ledger,
    port,
    logger: silent,
    now: () => clock.t,
    sleep: async (ms) => void (clock.t += Math.max(0, ms)),
    queryDelaysMs: [0, 0],
    sellRetryDelaysMs: [0],
  });
  // what it told people (the outbox)
  const told = (): Outcome[] => ledger.snapshot().outbox.map((e) => (e.event as unknown as TradeEvent).outcome).filter((o) => ['broken', 'unknown', 'spot_failed'].includes(o.kind));
  return { ex, clock, told };
}

const openPlan = { symbol: 'BTCUSDT', baseAsset: 'BTC', qty: '1', spotStep: '0.001', userId: 1, chatId: 1 };

describe('no second order on a position while an earlier one is unresolved', () => {
  test('a second /close while the first close SELL is unknown is refused; the spot is sold once', async () => {
    const s = scripted();
    const { ex } = executorOn(s.port);
    assert.equal((await ex.open(openPlan)).kind, 'opened');
    const pos = ledger.snapshot().positions[0]!;
    let n = 0;
    s.set({ placeSpot: async (o) => (++n === 1 ? Promise.reject(new UnknownOutcomeError('timeout')) : fillOf(o)), queryOrder: async () => Promise.reject(new ExchangeError('net down')) });
    s.sent.length = 0;
    const c1 = await ex.close({ positionId: pos.id, spotStep: '0.001', userId: 1, chatId: 1 });
    assert.equal(c1.kind, 'unknown');
    await assert.rejects(
      () => ex.close({ positionId: pos.id, spotStep: '0.001', userId: 1, chatId: 1 }),
      (e: unknown) => e instanceof UserError && e.key === 'trading.error.unresolved',
    );
    // an open in the symbol is refused for the same reason (before the paused check even matters)
    await assert.rejects(() => ex.open(openPlan), (e: unknown) => e instanceof UserError && e.key === 'trading.error.unresolved');
    assert.deepEqual(
      s.sent.filter((x) => x.market === 'spot').map((x) => x.o.side),
      ['SELL'],
      'exactly one spot SELL',
    );
  });
});

describe('"not found" right after an unknown send is not "never placed"', () => {
  test('close: spot SELL unknown then not found → unknown, pending, no new client order id', async () => {
    const s = scripted();
    const { ex, told } = executorOn(s.port);
    await ex.open(openPlan);
    let n = 0;
    s.set({ placeSpot: async (o) => (++n === 1 ? Promise.reject(new UnknownOutcomeError('timeout')) : fillOf(o)), queryOrder: async () => null });
    s.sent.length = 0;
    const c = await ex.close({ positionId: ledger.snapshot().positions[0]!.id, spotStep: '0.001', userId: 1, chatId: 1 });
    assert.equal(c.kind, 'unknown');
    const sells = s.sent.filter((x) => x.market === 'spot');
    assert.equal(sells.length, 1, 'no second SELL under a new id');
    assert.equal(ledger.snapshot().paused, true);
    assert.equal(ledger.snapshot().intents.at(-1)!.status, 'pending');
    assert.equal(told().length, 1);
  });

  test('open: futures unknown then not found → not abandoned; recovery after recvWindow concludes absent', async () => {
    const s = scripted({ placeFutures: async () => Promise.reject(new UnknownOutcomeError('timeout')), queryOrder: async () => null });
    const { ex } = executorOn(s.port);
    const r = await ex.open(openPlan);
    assert.equal(r.kind, 'unknown');
    assert.equal(ledger.snapshot().positions.length, 1, 'position kept');
    assert.equal(ledger.snapshot().intents[0]!.status, 'pending');
    assert.equal(ledger.snapshot().paused, true);
    const reports = await ex.recover();
    assert.equal(reports[0]!.outcome.kind, 'not_placed');
    assert.equal(ledger.snapshot().positions.length, 0);
    assert.equal(s.sent.length, 1, 'nothing resent');
  });
  test('the window starts when the answer failed, not when place() was called (the client may sign later)', async () => {
    // a clock sync (or a -1021 re-send) inside the client: the order is signed 8 s after place()
    const s = scripted({ queryOrder: async () => null });
    const { ex, clock } = executorOn(s.port);
    s.set({
      placeFutures: async () => {
        clock.t += 8_000;
        throw new UnknownOutcomeError('timeout');
      },
    });
    const r = await ex.open(openPlan);
    assert.equal(r.kind, 'unknown', 'not concluded absent: the order was signed just now and may still arrive');
    assert.equal(ledger.snapshot().intents[0]!.status, 'pending');
    assert.equal(ledger.snapshot().positions.length, 1);
  });
});

describe('nothing but the spot order between the futures fill and the spot order', () => {
  test('the executor passes the base asset; the live port does not look up rules before the spot order', async () => {
    const s = scripted();
    const { ex } = executorOn(s.port);
    await ex.open(openPlan);
    await ex.close({ positionId: ledger.snapshot().positions[0]!.id, spotStep: '0.001', userId: 1, chatId: 1 });
    for (const x of s.sent.filter((y) => y.market === 'spot')) assert.equal(x.o.baseAsset, 'BTC', `${x.o.side} carries the base asset`);

    const calls: string[] = [];
    const spot = {
      exchangeInfo: async () => (calls.push('exchangeInfo'), Promise.reject(new Error('must not be called'))),
      newOrder: async (p: { symbol: string; side: string; quantity: string; newClientOrderId: string }) => (
        calls.push('newOrder'),
        { symbol: p.symbol, orderId: 7, clientOrderId: p.newClientOrderId, status: 'FILLED', executedQty: p.quantity, cummulativeQuoteQty: '100', transactTime: 1, fills: [{ price: '100', qty: p.quantity, commission: '0.001', commissionAsset: 'BTC' }] }
      ),
    } as unknown as SpotApi;
    const futures = { exchangeInfo: async () => (calls.push('fexchangeInfo'), Promise.reject(new Error('must not be called'))) } as unknown as FuturesApi;
    const live = createLivePort({ spot, futures, config: { spotTakerFee: '0.001', futuresTakerFee: '0.0005' }, logger: silent });
    const f = await live.placeSpot({ symbol: 'BTCUSDT', side: 'BUY', qty: '1', clientOrderId: 'x', baseAsset: 'BTC' });
    assert.deepEqual(calls, ['newOrder']);
    assert.equal(f.baseCommission, '0.001', 'the base asset still prices the commission');
  });
});

describe('an unwind whose outcome is unknown stays pending for recovery', () => {
  test('spot rejected, unwind unknown → intent pending (not broken), paused, alerted; recovery finds the U fill', async () => {
    let uFill: LegFill | undefined;
    const s = scripted({
      placeSpot: async () => Promise.reject(new RejectedError('-2010 Account has insufficient balance', { code: -2010 })),
      placeFutures: async (o) => {
        if (o.clientOrderId.endsWith('U')) {
          uFill = fillOf(o); // it DID execute; the answer was lost
          throw new UnknownOutcomeError('timeout');
        }
        return fillOf(o);
      },
      queryOrder: async () => Promise.reject(new ExchangeError('net down')),
    });
    const { ex, told } = executorOn(s.port);
    const r = await ex.open(openPlan);
    assert.equal(r.kind, 'unknown');
    const intent = ledger.snapshot().intents[0]!;
    assert.equal(intent.status, 'pending', 'not final: recovery must query the U order');
    assert.notEqual(ledger.snapshot().positions[0]!.status, 'broken');
    assert.equal(ledger.snapshot().paused, true);
    assert.equal(told().length, 1);

    s.set({ queryOrder: async (_m, _s, cid) => (cid.endsWith('F') ? fillOf({ symbol: 'BTCUSDT', side: 'SELL', qty: '1', clientOrderId: cid }) : cid === uFill?.clientOrderId ? uFill : null) });
    s.sent.length = 0;
    const reports = await ex.recover();
    assert.equal(reports[0]!.outcome.kind, 'unwound', JSON.stringify(reports[0]));
    assert.equal(s.sent.length, 0, 'the found unwind is not sent again');
    assert.equal(ledger.snapshot().intents[0]!.status, 'unwound');
  });
});

describe('an unwind after a partial spot fill is rounded down to the futures step', () => {
  test('shorted 1, spot bought 0.0123 → unwind 0.987 (futures step 0.001), not 0.9877', async () => {
    const s = scripted({ placeSpot: async (o) => fillOf(o, '0.0123') });
    const { ex } = executorOn(s.port);
    const r = await ex.open({ ...openPlan, spotStep: '0.0001', futuresStep: '0.001' });
    const unwind = s.sent.filter((x) => x.market === 'futures' && x.o.reduceOnly);
    assert.equal(unwind.length, 1);
    assert.equal(unwind[0]!.o.qty, '0.987');
    assert.equal(r.kind, 'opened');
    assert.equal(ledger.snapshot().positions[0]!.futuresQty, '0.013');
  });
});

describe('the total cap counts a naked short', () => {
  test('a broken position (short, no spot) counts its futures notional toward MAX_TOTAL_USDT', async () => {
    await ledger.rewrite((d) => {
      d.positions.push({ id: 'p1', symbol: 'ETHUSDT', baseAsset: 'ETH', mode: 'live', status: 'broken', openedAt: 1, spotQty: '0', futuresQty: '1', spotEntryPrice: '0', futuresEntryPrice: '900' });
    });
    const config = { maxPositionUsdt: '500', maxTotalUsdt: '1000', spotTakerFee: '0.001', futuresTakerFee: '0.0005', leverage: 1 };
    assert.throws(
      () => checkCaps(ledger, { qty: dec(1), spotNotional: dec(200), futuresNotional: dec(200) }, config as never),
      (e: unknown) => e instanceof UserError && e.key === 'trading.error.max_total',
    );
  });
});

describe('against the fake Binance', () => {
  const s = harnessPerTest();

  test('/close preview is refused while an earlier close of the position is pending', async () => {
    const { token } = await s.h.trading.previewOpen(USER, CHAT, 'BTCUSDT', '0.01');
    await s.h.trading.confirm(token, USER);
    await s.h.ledger.rewrite((d) => {
      d.intents.push({ ...structuredClone(d.intents[0]!), id: 'x1', kind: 'close', status: 'pending' });
    });
    await assert.rejects(() => s.h.trading.previewClose(USER, CHAT, 'BTCUSDT'), (e: unknown) => e instanceof UserError && e.key === 'trading.error.unresolved');
  });

  test('ledger spot above the balance (lost base commission): the SELL asks for what is held; the rest is dust', async () => {
    const { token } = await s.h.trading.previewOpen(USER, CHAT, 'BTCUSDT', '0.01');
    const opened = await s.h.trading.confirm(token, USER);
    assert.equal(opened.kind === 'open' && opened.outcome.kind, 'opened', JSON.stringify(opened).slice(0, 300));
    const pos = s.h.ledger.snapshot().positions[0]!;
    // the ledger missed the 0.00001 BTC commission: it says 0.01, the account holds 0.00999
    await s.h.ledger.rewrite((d) => {
      d.positions[0]!.spotQty = '0.01';
    });
    s.fake.setSpotBalance('BTC', '0.00999');
    const r = await s.h.trading.previewClose(USER, CHAT);
    assert.equal(r.kind === 'preview' && r.preview.spotQty, '0.00999');
    s.fake.clearRequests();
    const c = await s.h.trading.confirm(r.kind === 'preview' ? r.token : '', USER);
    assert.equal(c.kind === 'close' && c.outcome.kind, 'closed', JSON.stringify(c).slice(0, 300));
    const sells = s.fake.requestsTo('/api/v3/order', 'POST');
    assert.equal(sells.length, 1);
    assert.equal(sells[0]!.params.quantity, '0.00999');
    const closed = s.h.ledger.snapshot().positions.find((p) => p.id === pos.id)!;
    assert.equal(closed.status, 'closed');
    assert.equal(closed.dustQty, '0.00001');
    // the balance was read at preview, not between the legs
    const futuresAt = s.fake.requestsTo('/fapi/v1/order', 'POST')[0]!.at;
    assert.ok(s.fake.requestsTo('/api/v3/account', 'GET').every((x) => x.at < futuresAt));
  });

  test('the 1 % re-check runs under the trading lock: a price move while waiting for it refuses', async () => {
    const { token } = await s.h.trading.previewOpen(USER, CHAT, 'BTCUSDT', '0.01');
    let release!: () => void;
    const held = s.h.trading.executor.exclusive(() => new Promise<void>((r) => (release = r)));
    const confirming = s.h.trading.confirm(token, USER);
    await new Promise((r) => setTimeout(r, 50));
    s.fake.setPrice('BTCUSDT', { spotAsk: '117000', spotBid: '116999' }); // moves while the lock is held
    release();
    await held;
    const res = await confirming;
    assert.equal(res.kind === 'refused' && res.error.key, 'trading.error.moved');
    assert.equal(s.h.orders().length, 0);
  });

  test('a token that expires while waiting for the lock places nothing', async () => {
    const { token } = await s.h.trading.previewOpen(USER, CHAT, 'BTCUSDT', '0.01');
    let release!: () => void;
    const held = s.h.trading.executor.exclusive(() => new Promise<void>((r) => (release = r)));
    const confirming = s.h.trading.confirm(token, USER);
    await new Promise((r) => setTimeout(r, 20));
    s.h.clock.offset += (s.h.config.confirmTtlSeconds + 1) * 1000;
    release();
    await held;
    assert.equal((await confirming).kind, 'expired');
    assert.equal(s.h.orders().length, 0);
  });
});
