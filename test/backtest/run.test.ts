import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runBacktest } from '../../src/backtest/run.js';
import { backtestSetup } from './helpers.js';
import { PARAMS, at } from './scenario.js';

let env: Awaited<ReturnType<typeof backtestSetup>>;
before(async () => {
  env = await backtestSetup();
});
after(async () => env.close());

const request = { symbols: ['SOLUSDT'], days: 90, params: PARAMS };

test('first run pages funding by startTime and reads hourly klines of both markets; the second run makes zero requests', async () => {
  env.fake.clearRequests();
  const first = await runBacktest(env.deps, request);
  assert.equal(first.from, at(0));
  assert.equal(first.to, at(90));
  const funding = env.fake.requestsTo('/fapi/v1/fundingRate');
  // 8 + 60 days of 8h prints and 30 days of hourly ones: 924 rows, one page of 1000
  assert.equal(funding.length, 1);
  assert.equal(funding[0]!.params.startTime, String(at(-8)));
  assert.equal(funding[0]!.params.limit, '1000');
  const fut = env.fake.requestsTo('/fapi/v1/klines');
  const spot = env.fake.requestsTo('/api/v3/klines');
  // 2161 hours: three pages each, every next page starting after the last hour received
  assert.deepEqual(fut.map((r) => r.params.startTime), [String(at(0)), String(at(0) + 1000 * 3_600_000), String(at(0) + 2000 * 3_600_000)]);
  assert.equal(spot.length, 3);
  assert.ok(fut.every((r) => r.params.interval === '1h' && r.params.limit === '1000'));
  assert.equal(first.spent.requests, 7);
  assert.equal(first.spent.weight, 1 + 3 * 5 + 3 * 2);
  assert.equal(first.fromCache, 0);
  assert.equal(first.total!.rules.net, '1749.92');
  assert.equal(first.total!.rules.capitalApr, 35.48);

  const count = env.fake.requests.length;
  const second = await runBacktest(env.deps, request);
  assert.equal(env.fake.requests.length, count, 'the second run of the same window must not touch the exchange');
  assert.equal(second.fromCache, 1);
  assert.deepEqual(second.spent, { requests: 0, weight: 0 });
  assert.deepEqual(second.total, first.total);
});

test('a corrupt cache file is fetched again, never trusted', async () => {
  const files = await readdir(env.deps.cacheDir);
  assert.equal(files.length, 1);
  assert.match(files[0]!, /^SOLUSDT_/);
  // cut short by a crash, and valid JSON of the wrong shape
  for (const bad of ['{"version":2,"symbol":"SOLUSDT"', JSON.stringify({ version: 2, symbol: 'SOLUSDT', from: at(0), to: at(90), funding: [] })]) {
    await writeFile(join(env.deps.cacheDir, files[0]!), bad);
    env.fake.clearRequests();
    const r = await runBacktest(env.deps, request);
    assert.equal(r.fromCache, 0);
    assert.equal(env.fake.requestsTo('/fapi/v1/fundingRate').length, 1);
    assert.equal(r.total!.rules.net, '1749.92');
  }
});

test('the report: baselines on the same window, fee drag visible, an unknown symbol listed as failed', async () => {
  const r = await runBacktest(env.deps, { ...request, symbols: ['SOLUSDT', 'NOPEUSDT'] });
  assert.deepEqual(r.failed.map((f) => f.symbol), ['NOPEUSDT']);
  assert.equal(r.symbols.length, 1);
  const s = r.symbols[0]!;
  assert.equal(s.rules.fees, '63.04');
  assert.equal(s.rules.maxDrawdown, '35.42');
  assert.equal(s.noFees.fees, '0.00');
  assert.ok(Number(s.noFees.net) > Number(s.rules.net));
  assert.equal(s.always.entries, 1);
  assert.equal(s.coverage.missingSpotKlines, 0);
  assert.equal(s.coverage.missingFuturesKlines, 0);
  assert.equal(r.curve.times.length, r.curve.rules.length);
  assert.equal(r.curve.rules.at(-1), 1749.915);
});
