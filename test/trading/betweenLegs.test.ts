import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startFakeBinance, type FakeBinance, type FakeRequest } from '../fakes/binance.js';
import { tradingRig, type Rig } from '../faults/helpers.js';

/**
 * Writes by other jobs never run between the two legs of a trade: a scan result and an income page
 * queued while the first order is in flight neither apply, serialise nor append anything before
 * the second order has crossed the wire. The fake runs in this process, so without the hold the
 * queued writes would run the moment the first answer is sent.
 */

const USER = 1001;
const SCAN_AT = 1_700_000_000_000;

let fake: FakeBinance;
let rig: Rig;
/** what happened, in order: orders at the fake, the queued writes' steps */
let events: string[];
let queueOn: string | undefined;

before(async () => {
  fake = await startFakeBinance();
  fake.on('request', (r: FakeRequest) => {
    if (r.method !== 'POST' || (r.path !== '/fapi/v1/order' && r.path !== '/api/v3/order')) return;
    const leg = r.path === '/fapi/v1/order' ? 'futures' : 'spot';
    events.push(`${leg} order`);
    if (leg === 'spot' && rig.ledger.health().lastScanAt === SCAN_AT) events.push('scan applied in memory');
    if (leg === queueOn) queueWrites();
  });
});
after(async () => {
  await rig?.close();
  await fake.close();
});
beforeEach(async () => {
  await rig?.close();
  fake.reset();
  events = [];
  queueOn = undefined;
  rig = await tradingRig(fake, {
    // the state document as the store serialised it: does it carry the queued scan yet?
    writeText: (file) => async (text) => {
      const scanned = (JSON.parse(text) as { health: { lastScanAt?: number } }).health.lastScanAt === SCAN_AT;
      events.push(scanned ? 'state written with the scan' : 'state written');
      await writeFile(file, text);
    },
  });
});

/** What the signal tick and the income sync write, queued from inside the fake's request handler. */
function queueWrites(): void {
  events.push('writes queued');
  void rig.ledger.recordScan({ at: SCAN_AT, entered: [{ symbol: 'ETHUSDT', netApr: 21 }], left: [], signals: [] });
  const positionId = rig.ledger.positionFor('BTCUSDT')?.id ?? null;
  void rig.ledger.appendFunding(
    () => {
      events.push('income rows built');
      return [{ tranId: 't1', symbol: 'BTCUSDT', amount: '0.1', asset: 'USDT', time: SCAN_AT, mode: 'live' as const, positionId }];
    },
    { incomeTime: SCAN_AT, syncedAt: SCAN_AT },
  );
}

async function trade(kind: 'open' | 'close'): Promise<void> {
  const preview = kind === 'open' ? await rig.trading.previewOpen(USER, USER, 'BTCUSDT', '0.01') : await rig.trading.previewClose(USER, USER, 'BTCUSDT');
  assert.ok('token' in preview);
  await rig.ledger.flush();
  const done = await rig.trading.confirm(preview.token, USER);
  assert.ok(done.kind === 'open' || done.kind === 'close');
  assert.ok(done.outcome.kind === 'opened' || done.outcome.kind === 'closed', JSON.stringify(done.outcome));
  await rig.ledger.flush();
}

/** the events from the queueing on, before the queued writes could have finished */
const afterQueue = () => events.slice(events.indexOf('writes queued'));

/** right after the queueing: the second leg, and only then the queued writes' steps */
function assertSpotFirst(): void {
  const seen = afterQueue();
  assert.equal(seen[1], 'spot order', seen.join(' → '));
  assert.notEqual(seen[2], 'scan applied in memory', seen.join(' → '));
  assert.ok(seen.indexOf('state written with the scan') > 1, seen.join(' → '));
  assert.ok(seen.indexOf('income rows built') > 1, seen.join(' → '));
}

describe('a write queued while the first leg is in flight', () => {
  test('open: the spot order goes out before the queued writes apply, serialise or append', async () => {
    queueOn = 'futures';
    await trade('open');
    assertSpotFirst();
    // held, not lost: both landed once the hedge was out
    assert.equal(rig.ledger.health().lastScanAt, SCAN_AT);
    assert.equal(rig.ledger.incomeCursor(), SCAN_AT);
  });

  test('close: the spot sell goes out before the queued writes apply, serialise or append', async () => {
    await trade('open');
    events = [];
    queueOn = 'futures';
    await trade('close');
    assertSpotFirst();
    assert.equal(rig.ledger.health().lastScanAt, SCAN_AT);
  });
});
