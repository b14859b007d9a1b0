import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoreData } from '../../src/ledger/schema.js';
import { openLedger } from '../../src/ledger/ledger.js';
import { dec } from '../../src/money.js';
import { createExecutor, type Executor, type RecoveryReport } from '../../src/trading/executor.js';
import { createLivePort } from '../../src/trading/live.js';
import type { ExchangePort } from '../../src/trading/port.js';
import { CHAT, USER, harnessPerTest, silent } from './helpers.js';
import { waitUntil } from '../telegram/harness.js';

/**
 * Recovery at start, in-process: a first executor "dies" mid-trade (its port
 * never returns from one call), a second one over the same DATA_FILE runs recover(). Recovery
 * moves toward flat: an interrupted open is completed only if both legs exist, else unwound;
 * an interrupted close is completed.
 */

const s = harnessPerTest();

const never = () => new Promise<never>(() => undefined);

/** An executor over the harness ledger whose port hangs forever on the chosen call. */
function dying(hang: 'futuresBeforeSend' | 'spotBeforeSend' | 'spotAfterSend'): Executor {
  const live = createLivePort({ spot: s.h.binance.spot, futures: s.h.binance.futures, config: s.h.config, logger: silent });
  const port: ExchangePort = {
    ...live,
    placeFutures: hang === 'futuresBeforeSend' ? never : live.placeFutures,
    placeSpot: hang === 'spotBeforeSend' ? never : hang === 'spotAfterSend' ? async (o) => (await live.placeSpot(o), never()) : live.placeSpot,
  };
  return createExecutor({ ledger: s.h.ledger, port, logger: silent, sleep: async () => undefined, queryDelaysMs: [0] });
}

/** The restarted process: a fresh ledger read from the file and a fresh executor. */
async function restart(): Promise<{ reports: RecoveryReport[]; data: StoreData }> {
  await s.h.ledger.flush();
  const ledger = await openLedger(s.h.file, { logger: silent });
  const port = createLivePort({ spot: s.h.binance.spot, futures: s.h.binance.futures, config: s.h.config, logger: silent });
  // a sleep moves this clock on: recovery waits until an in-flight order could no longer arrive
  let offset = 0;
  const executor = createExecutor({ ledger, port, logger: silent, now: () => Date.now() + offset, sleep: async (ms) => void (offset += Math.max(0, ms)), queryDelaysMs: [0, 0] });
  const reports = await executor.recover();
  await ledger.flush();
  const data = ledger.snapshot();
  await ledger.close();
  return { reports, data };
}

const open = (e: Executor) => void e.open({ symbol: 'BTCUSDT', baseAsset: 'BTC', qty: '0.01', spotStep: '0.00001', userId: USER, chatId: CHAT });

test('crashed before the futures order left: nothing to undo, the position is dropped, the user is told', async () => {
  open(dying('futuresBeforeSend'));
  await waitUntil(() => s.h.ledger.snapshot().intents.length === 1, 'the intent write');
  const { reports, data } = await restart();
  assert.equal(reports.length, 1);
  assert.equal(reports[0]!.chatId, CHAT);
  assert.equal(reports[0]!.found.futures, 'absent');
  assert.equal(reports[0]!.outcome.kind, 'not_placed');
  assert.equal(s.fake.requestsTo('/fapi/v1/order', 'POST').length, 0);
  assert.equal(data.positions.length, 0);
  assert.equal(data.intents[0]!.status, 'failed');
});

test('crashed after both legs filled: found by client ids, the position is open, nothing is sent', async () => {
  open(dying('spotAfterSend'));
  await waitUntil(() => s.fake.orders.length === 2, 'both orders');
  s.fake.clearRequests();
  const { reports, data } = await restart();
  assert.equal(reports[0]!.outcome.kind, 'opened');
  assert.deepEqual(reports[0]!.found, { futures: 'filled', spot: 'filled' });
  assert.equal(s.fake.requestsTo('/fapi/v1/order', 'POST').length + s.fake.requestsTo('/api/v3/order', 'POST').length, 0);
  assert.equal(data.positions[0]!.status, 'open');
  assert.equal(data.positions[0]!.futuresQty, '0.01');
  assert.equal(data.intents[0]!.status, 'done');
  assert.equal(data.fills.length, 2);
});

test('crashed between the legs: the short is bought back reduce-only, once', async () => {
  open(dying('spotBeforeSend'));
  await waitUntil(() => s.fake.orders.length === 1, 'the futures order');
  s.fake.clearRequests();
  const { reports, data } = await restart();
  assert.equal(reports[0]!.outcome.kind, 'unwound');
  const posts = s.fake.requestsTo('/fapi/v1/order', 'POST');
  assert.equal(posts.length, 1);
  assert.equal(posts[0]!.params.reduceOnly, 'true');
  assert.equal(s.fake.requestsTo('/api/v3/order', 'POST').length, 0);
  assert.ok(s.fake.positions.get('BTCUSDT')!.amt.eq(0));
  assert.equal(data.intents[0]!.status, 'unwound');

  // a second restart finds nothing left to do
  s.fake.clearRequests();
  const again = await restart();
  assert.equal(again.reports.length, 0);
  assert.equal(s.fake.requests.filter((r) => r.method === 'POST').length, 0);
});

test('crashed in a close after the futures buy-back: the spot is sold, the position closed', async () => {
  const { token } = await s.h.trading.previewOpen(USER, CHAT, 'BTCUSDT', '0.01');
  await s.h.trading.confirm(token, USER);
  const pos = s.h.ledger.snapshot().positions[0]!;
  void dying('spotBeforeSend').close({ positionId: pos.id, spotStep: '0.00001', userId: USER, chatId: CHAT });
  await waitUntil(() => s.fake.orders.filter((o) => o.market === 'futures').length === 2, 'the futures buy-back');
  s.fake.clearRequests();
  const { reports, data } = await restart();
  assert.equal(reports[0]!.kind, 'close');
  assert.equal(reports[0]!.outcome.kind, 'closed');
  assert.equal(s.fake.requestsTo('/fapi/v1/order', 'POST').length, 0, 'the futures leg is not sent again');
  const sells = s.fake.requestsTo('/api/v3/order', 'POST');
  assert.equal(sells.length, 1);
  assert.equal(sells[0]!.params.side, 'SELL');
  const closed = data.positions[0]!;
  assert.equal(closed.status, 'closed');
  assert.equal(closed.futuresQty, '0');
  assert.ok(dec(closed.spotQty).lt('0.00001'), 'at most the gross-up surplus below one step stays');
});
