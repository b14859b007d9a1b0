import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import type { FuturesApi, PositionRisk, SpotApi, SpotBalance } from '../../src/binance/types.js';
import { reconcile } from '../../src/ledger/reconcile.js';
import { T0, position, outboxRecorder, seed, silent, tempStore, type TempStore } from './helpers.js';

let ts: TempStore | undefined;
afterEach(async () => {
  await ts?.cleanup();
  ts = undefined;
});

function exchange(short: Record<string, string>, spot: Record<string, string>) {
  const state = { short, spot };
  const futures: Pick<FuturesApi, 'positionRisk'> = {
    positionRisk: async () =>
      Object.entries(state.short).map(
        ([symbol, qty]): PositionRisk => ({ symbol, positionAmt: qty === '0' ? '0' : `-${qty}`, entryPrice: '0', markPrice: '0', unRealizedProfit: '0', liquidationPrice: '0', leverage: '1', positionSide: 'BOTH' }),
      ),
  };
  const spotApi: Pick<SpotApi, 'balances'> = {
    balances: async () => Object.entries(state.spot).map(([asset, free]): SpotBalance => ({ asset, free, locked: '0' })),
  };
  return { state, futures, spot: spotApi };
}

test('an injected drift is reported once with both sides, not repeated, and re-armed when it changes', async () => {
  ts = await tempStore();
  await seed(ts.ledger, (d) => {
    d.positions.push(position({ id: 'b', symbol: 'BTCUSDT', spotQty: '0.5', futuresQty: '0.5' }));
    d.positions.push(position({ id: 'e', symbol: 'ETHUSDT', spotQty: '2', futuresQty: '2' }));
    d.positions.push(position({ id: 'x', symbol: 'XRPUSDT', mode: 'paper', spotQty: '100', futuresQty: '100' }));
  });
  // dust on ETH spot (0.001 < 0.5 % of 2) and extra BTC on spot (the trader's own) are not drift
  const ex = exchange({ BTCUSDT: '0.5', ETHUSDT: '2' }, { BTC: '0.75', ETH: '1.999' });
  const notifier = outboxRecorder(() => deps.ledger);
  const deps = { ledger: ts.ledger, futures: ex.futures, spot: ex.spot, audience: notifier.audience, logger: silent, now: () => T0 + 5, lotStep: () => '0.001' };

  let r = await reconcile(deps);
  assert.deepEqual(r.checked, ['BTCUSDT', 'ETHUSDT'], 'live positions only');
  assert.equal(r.drifts.length, 0);
  assert.equal(notifier.sent.length, 0);
  assert.equal(ts.ledger.snapshot().health.lastReconcileAt, T0 + 5);

  ex.state.short.BTCUSDT = '0.3'; // someone bought back part of the short
  r = await reconcile(deps);
  assert.equal(notifier.sent.length, 1);
  const msg = notifier.sent[0]!;
  assert.equal(msg.toEveryone, true);
  assert.match(msg.text, /ledger\.reconcile\.title \{"symbol":"BTCUSDT"\}/);
  assert.match(msg.text, /ledger\.reconcile\.futuresDrift/);
  assert.doesNotMatch(msg.text, /spotDrift/);
  // both sides' numbers and the difference in the table
  assert.match(msg.text, /0\.5\s+0\.3\s+-0\.2/);

  await reconcile(deps);
  deps.ledger = await ts.reopen();
  await reconcile(deps);
  assert.equal(notifier.sent.length, 1, 'same drift: not repeated, also after a restart');

  ex.state.spot.BTC = '0.2'; // now the spot leg is short too: a different drift
  await reconcile(deps);
  assert.equal(notifier.sent.length, 2);
  assert.match(notifier.sent[1]!.text, /ledger\.reconcile\.spotDrift/);

  ex.state.short.BTCUSDT = '0.5';
  ex.state.spot.BTC = '0.5';
  await reconcile(deps);
  assert.deepEqual(ts.ledger.snapshot().reconcileAlerts, {}, 'fixed: fingerprint cleared');
  ex.state.short.BTCUSDT = '0.3';
  await reconcile(deps);
  assert.equal(notifier.sent.length, 3, 'the same drift coming back is reported again');
});

test('without live positions nothing is asked of the exchange', async () => {
  ts = await tempStore();
  const notifier = outboxRecorder(() => ts!.ledger);
  const boom = async () => {
    throw new Error('must not be called');
  };
  let risk = 0;
  // the futures side is still read (a short the ledger does not know about is drift); balances are not
  const r = await reconcile({ ledger: ts.ledger, futures: { positionRisk: async () => (risk++, []) }, spot: { balances: boom }, audience: notifier.audience });
  assert.deepEqual(r.checked, []);
  assert.equal(risk, 1);
  assert.equal(notifier.sent.length, 0);
});

test('a futures short on a symbol with NO ledger position is flagged once per change', async () => {
  ts = await tempStore();
  await seed(ts.ledger, (d) => {
    d.positions.push(position({ id: 'b', symbol: 'BTCUSDT', spotQty: '0.5', futuresQty: '0.5' }));
    d.positions.push(position({ id: 'o', symbol: 'SOLUSDT', status: 'opening', spotQty: '0', futuresQty: '0' }));
  });
  // ETH: naked short unknown to the ledger; SOL: mid-open (its position exists), not flagged
  const ex = exchange({ BTCUSDT: '0.5', ETHUSDT: '3', SOLUSDT: '1' }, { BTC: '0.5' });
  const notifier = outboxRecorder(() => deps.ledger);
  const deps = { ledger: ts.ledger, futures: ex.futures, spot: ex.spot, audience: notifier.audience, logger: silent, now: () => T0 + 5, lotStep: () => '0.001' };
  let r = await reconcile(deps);
  assert.deepEqual(r.drifts.map((d) => [d.symbol, d.exchangeFutures, d.ledgerFutures]), [['ETHUSDT', '3', '0']]);
  assert.equal(notifier.sent.length, 1);
  assert.equal(notifier.sent[0]!.toEveryone, true);
  assert.match(notifier.sent[0]!.text, /ledger\.reconcile\.notInLedger \{"symbol":"ETHUSDT"\}/);
  await reconcile(deps);
  assert.equal(notifier.sent.length, 1, 'same stray short: not repeated');
  ex.state.short.ETHUSDT = '2';
  await reconcile(deps);
  assert.equal(notifier.sent.length, 2, 'changed: reported again');
  ex.state.short.ETHUSDT = '0';
  r = await reconcile(deps);
  assert.equal(r.drifts.length, 0);
  assert.deepEqual(ts.ledger.snapshot().reconcileAlerts, {}, 'gone: fingerprint cleared');
});

test('a symbol mid-/close (pending intent) is not drift: skipped, its state kept, checked again after', async () => {
  ts = await tempStore();
  await seed(ts.ledger, (d) => {
    d.positions.push(position({ id: 'b', symbol: 'BTCUSDT', status: 'closing', spotQty: '0.5', futuresQty: '0.5' }));
    d.positions.push(position({ id: 'e', symbol: 'ETHUSDT', spotQty: '2', futuresQty: '2' }));
    d.intents.push({
      id: 'c1', kind: 'close', positionId: 'b', symbol: 'BTCUSDT', mode: 'live', qty: '0.5', userId: 1, chatId: 1,
      createdAt: T0, updatedAt: T0, status: 'pending',
      legs: { futures: { market: 'futures', side: 'BUY', clientOrderId: 'cbc1F', qty: '0.5', reduceOnly: true, state: 'filled', attempts: 1 } },
    });
  });
  // the short is bought back, the spot not sold yet, the ledger not updated yet; ETH really drifts
  const ex = exchange({ BTCUSDT: '0', ETHUSDT: '1' }, { BTC: '0.5', ETH: '2' });
  const notifier = outboxRecorder(() => deps.ledger);
  const deps = { ledger: ts.ledger, futures: ex.futures, spot: ex.spot, audience: notifier.audience, logger: silent, now: () => T0 + 5, lotStep: () => '0.001' };

  const r = await reconcile(deps);
  assert.deepEqual(r.busy, ['BTCUSDT']);
  assert.deepEqual(r.checked, ['ETHUSDT']);
  assert.deepEqual(r.drifts.map((x) => x.symbol), ['ETHUSDT'], 'no false critical alert for BTC');
  assert.equal(notifier.sent.length, 1);

  // the close finishes (before this pass): BTC is checked again, and consistent
  await ts.ledger.rewrite((d) => {
    d.intents[0]!.status = 'done';
    d.positions[0]!.status = 'closed';
    d.positions[0]!.spotQty = '0';
    d.positions[0]!.futuresQty = '0';
  });
  ex.state.spot.BTC = '0';
  const after = await reconcile({ ...deps, now: () => T0 + 10 });
  assert.deepEqual(after.busy, []);
  assert.deepEqual(after.drifts.map((x) => x.symbol), ['ETHUSDT']);
  assert.equal(notifier.sent.length, 1);
});

test('a trade that starts while the exchange is being read makes the symbol busy too', async () => {
  ts = await tempStore();
  await seed(ts.ledger, (d) => {
    d.positions.push(position({ id: 'b', symbol: 'BTCUSDT', spotQty: '0.5', futuresQty: '0.5' }));
  });
  const ex = exchange({ BTCUSDT: '0' }, { BTC: '0.5' });
  const ledger = ts.ledger;
  const futures: typeof ex.futures = {
    positionRisk: async () => {
      // /close starts and buys the short back while this request is in flight
      await ledger.rewrite((d) => {
        d.intents.push({
          id: 'c1', kind: 'close', positionId: 'b', symbol: 'BTCUSDT', mode: 'live', qty: '0.5', userId: 1, chatId: 1,
          createdAt: T0 + 5, updatedAt: T0 + 5, status: 'pending',
          legs: { futures: { market: 'futures', side: 'BUY', clientOrderId: 'cbc1F', qty: '0.5', reduceOnly: true, state: 'filled', attempts: 1 } },
        });
      });
      return ex.futures.positionRisk();
    },
  };
  const notifier = outboxRecorder(() => ledger);
  const r = await reconcile({ ledger, futures, spot: ex.spot, audience: notifier.audience, logger: silent, now: () => T0 + 5, lotStep: () => '0.001' });
  assert.deepEqual(r.busy, ['BTCUSDT']);
  assert.equal(r.drifts.length, 0);
  assert.equal(notifier.sent.length, 0);
});
