import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dec } from '../../src/money.js';
import { startFakeBinance, type FakeBinance, type FakeFault } from '../fakes/binance.js';
import { CHAT, USER, harness } from '../trading/helpers.js';

/**
 * Fault injection, orders: an order whose answer is lost — 503 "unknown", -1007,
 * a connection reset, a hang past the client timeout, a malformed 200 body — but which DID
 * execute at the fake ('fillThenFail') is found by its client order id and never sent twice:
 * exactly one order per leg reaches the fake, and the position ends up open and hedged.
 */

const FUT = '/fapi/v1/order';
const SPOT = '/api/v3/order';

const lostAnswers: Array<[string, FakeFault]> = [
  ['503 unknown', 'fillThenFail'],
  ['-1007 timeout', { fillThenFail: { code: -1007 } }],
  ['connection reset', { fillThenFail: 'reset' }],
  ['hang past the timeout', { fillThenFail: 'hang' }],
  ['malformed JSON', { fillThenFail: 'malformed' }],
];

describe('faults: unknown order outcome is queried, never resent', () => {
  let fake: FakeBinance;
  before(async () => {
    fake = await startFakeBinance();
  });
  after(async () => {
    await fake.close();
  });

  async function openWith(path: string, fault: FakeFault) {
    fake.reset();
    const h = await harness({ fakeInstance: fake });
    try {
      const { token } = await h.trading.previewOpen(USER, CHAT, 'BTCUSDT', '0.01');
      const handle = fake.inject({ path, method: 'POST' }, fault);
      const res = await h.trading.confirm(token, USER);
      assert.equal(handle.hits, 1, 'the fault fired');
      return { h, res };
    } catch (err) {
      await h.close();
      throw err;
    }
  }

  for (const [leg, path] of [
    ['futures', FUT],
    ['spot', SPOT],
  ] as const) {
    for (const [name, fault] of lostAnswers) {
      it(`${leg} leg, ${name}: found by client order id, one order per leg, position open`, async () => {
        const { h, res } = await openWith(path, fault);
        try {
          assert.equal(res.kind, 'open');
          assert.equal(res.kind === 'open' && res.outcome.kind, 'opened', JSON.stringify(res).slice(0, 400));
          assert.equal(fake.requestsTo(FUT, 'POST').length, 1, 'exactly one futures order POST');
          assert.equal(fake.requestsTo(SPOT, 'POST').length, 1, 'exactly one spot order POST');
          assert.deepEqual(
            fake.orders.map((o) => `${o.market} ${o.side} ${o.executedQty}`),
            ['futures SELL 0.01', 'spot BUY 0.01000000'],
          );
          const queried = fake.requestsTo(leg === 'futures' ? '/fapi/v1/order' : '/api/v3/order', 'GET');
          assert.ok(queried.length >= 1, 'the lost order was looked up');
          assert.equal(queried[0]!.params.origClientOrderId, fake.orders.find((o) => o.market === leg)!.clientOrderId, 'by its client order id');

          const pos = h.ledger.snapshot().positions.find((p) => p.symbol === 'BTCUSDT');
          assert.equal(pos?.status, 'open');
          assert.equal(dec(pos!.futuresQty).toFixed(), '0.01');
          assert.equal(fake.positions.get('BTCUSDT')?.amt.toFixed(), '-0.01', 'the fake holds the one short');
          assert.equal(h.ledger.snapshot().fills.length, 2);
          assert.equal(h.ledger.snapshot().intents[0]?.status, 'done');
        } finally {
          await h.close();
        }
      });
    }
  }

  it('futures leg reset BEFORE executing: unknown until recvWindow has passed, nothing resent; recovery then finds it absent', async () => {
    const { h, res } = await openWith(FUT, 'reset');
    try {
      assert.equal(res.kind === 'open' && res.outcome.kind, 'unknown', JSON.stringify(res).slice(0, 400));
      assert.equal(fake.requestsTo(FUT, 'POST').length, 1, 'the futures order was not resent');
      assert.equal(fake.requestsTo(SPOT, 'POST').length, 0, 'no spot order without a short');
      assert.equal(fake.orders.length, 0);
      assert.equal(h.ledger.snapshot().intents[0]?.status, 'pending');
      const reports = await h.trading.recover();
      assert.equal(reports[0]?.outcome.kind, 'not_placed');
      assert.equal(fake.requestsTo(FUT, 'POST').length, 1, 'still not resent');
      assert.equal(h.ledger.snapshot().positions.length, 0);
    } finally {
      await h.close();
    }
  });
});
