import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CHAT, USER, harness, type Harness } from './helpers.js';

/** Exchange ids are 64-bit: read from the text, kept as decimal strings, sent back digit for digit. */

let h: Harness;
before(async () => {
  h = await harness();
});
after(async () => {
  await h.close();
});

test('a 19-digit futures orderId is stored and queried exactly (userTrades), the fee is exact', async () => {
  const { token } = await h.trading.previewOpen(USER, CHAT, 'BTCUSDT', '0.01');
  const result = await h.trading.confirm(token, USER);
  assert.equal(result.kind === 'open' && result.outcome.kind, 'opened');

  const short = h.fake.orders.find((o) => o.market === 'futures')!;
  const id = short.orderId.toString();
  assert.equal(id.length, 19);
  assert.ok(BigInt(id) > BigInt(Number.MAX_SAFE_INTEGER), 'beyond what a double holds');

  const lookups = h.fake.requestsTo('/fapi/v1/userTrades');
  assert.equal(lookups.length, 1);
  assert.equal(lookups[0]!.params.orderId, id, 'queried with the exact id');
  const fill = h.ledger.snapshot().fills.find((f) => f.market === 'futures')!;
  assert.equal(fill.orderId, id);
  assert.equal(fill.id, `futures:${id}`);
  assert.equal(fill.feeUnknown, undefined, 'the trades were found: the fee is exact');
  assert.equal(h.ledger.snapshot().intents[0]!.legs.futures.orderId, id);

  const spot = h.fake.orders.find((o) => o.market === 'spot')!;
  assert.equal(h.ledger.snapshot().fills.find((f) => f.market === 'spot')!.orderId, spot.orderId.toString());
});
