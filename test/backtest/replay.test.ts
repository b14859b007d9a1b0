import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadHistory } from '../../src/backtest/load.js';
import { prepare } from '../../src/backtest/prepare.js';
import { replay } from '../../src/backtest/replay.js';
import type { SymbolHistory } from '../../src/backtest/types.js';
import { backtestSetup } from './helpers.js';
import { PARAMS, at } from './scenario.js';

/**
 * The replay against a hand computation of the scripted history (see scenario.ts).
 *
 * Entry bar: net APR = 7-day APR − 0.3 % × 365 / 30 ≥ 15, i.e. 7-day APR ≥ 18.65.
 * - 8h regime, k prints of 0.0006 among the 21 of the week: APR = 10.95 + 2.607·k → k = 3:
 *   entry at T0+20d16h (18.77; k = 2 gives 16.16).
 * - First negative print at T0+40d: exit there (its funding is paid).
 * - 1h regime from T0+60d: h hours in, the week holds 21 − ⌊h/8⌋ 8h prints of 0.0001 and h
 *   hourly prints of 0.0002 over 8·(21 − ⌊h/8⌋) + h hours: h = 7 gives 17.52, h = 8 gives 18.77:
 *   entry at T0+60d8h, held to the end (closed at T0+90d with fees).
 *
 * Money: trade 1 qty 10000/100 = 100; fees in 100·100·0.001 + 100·100.2·0.0005 = 15.01,
 * out 100·120·0.001 + 100·120.1·0.0005 = 18.005; funding 100·0.0006·(27·100.2 + 30·120.1)
 * − 100·0.0002·120.1 = 376.102; basis 100·(120 − 100) + 100·(100.2 − 120.1) = 10.
 * Trade 2 qty 10000/80 = 125; fees 15.01 in and out; funding 712 hourly prints × 125·0.0002·80.16
 * = 1426.848; basis 0. Net = 1802.95 − 63.035 + 10 = 1749.915.
 * Drawdown: high 373.494 just before the exit (−15.01 + 378.504 + 10 unrealized), low 338.077
 * after the second entry's fees: 35.417.
 */

let env: Awaited<ReturnType<typeof backtestSetup>>;
let history: SymbolHistory;

before(async () => {
  env = await backtestSetup();
  history = (await loadHistory(env.deps, 'SOLUSDT', at(0), at(90))).history;
});
after(async () => env.close());

test('entries and exits fall on the settlements the hand computation predicts', () => {
  const r = replay(prepare(history), PARAMS, 'rules');
  assert.deepEqual(
    r.trades.map((t) => ({ entry: t.entryTime, exit: t.exitTime, reason: t.reason, qty: t.qty })),
    [
      { entry: at(20, 16), exit: at(40), reason: 'negative', qty: '100' },
      { entry: at(60, 8), exit: at(90), reason: 'end', qty: '125' },
    ],
  );
  assert.equal(r.entries, 2);
  assert.equal(r.exits, 1);
  assert.equal(r.openAtEnd, true);
  assert.equal(Math.round(r.daysInTrade * 1000) / 1000, 49);
});

test('net = funding − fees + basis PnL, to the cent of the hand computation', () => {
  const r = replay(prepare(history), PARAMS, 'rules');
  assert.deepEqual(
    r.trades.map((t) => [t.funding.toFixed(), t.fees.toFixed(), t.basisPnl.toFixed()]),
    [
      ['376.102', '33.015', '10'],
      ['1426.848', '30.02', '0'],
    ],
  );
  assert.equal(r.funding.toFixed(), '1802.95');
  assert.equal(r.fees.toFixed(), '63.035');
  assert.equal(r.basisPnl.toFixed(), '10');
  assert.equal(r.net.toFixed(), '1749.915');
  assert.equal(r.maxDrawdown.toFixed(), '35.417');
});

test('always in: enters at the first settlement and never exits', () => {
  const r = replay(prepare(history), PARAMS, 'always');
  assert.equal(r.trades.length, 1);
  assert.equal(r.trades[0]!.entryTime, at(0, 8));
  assert.equal(r.trades[0]!.exitTime, at(90));
  assert.equal(r.exits, 0);
  // funding of every print after the entry: 8h prints up to T0+60d, then 720 hourly ones
  assert.ok(r.funding.gt(0));
});

test('no look-ahead: changing a settlement changes nothing before it', () => {
  const base = replay(prepare(history), PARAMS, 'rules');
  for (const [when, rate] of [
    [at(20, 16), '0.0001'], // the entry print itself
    [at(40), '0.0006'], // the exit print
    [at(60, 8), '-0.001'], // the second entry
  ] as const) {
    const changed: SymbolHistory = { ...history, funding: history.funding.map((s) => (s.time === when ? { ...s, rate } : s)) };
    const r = replay(prepare(changed), PARAMS, 'rules');
    const before = (x: typeof base) => ({
      curve: x.curve.values.filter((_, i) => x.curve.times[i]! < when).map((v) => v.toFixed()),
      trades: x.trades.filter((t) => t.entryTime < when).map((t) => t.entryTime),
    });
    assert.deepEqual(before(r), before(base), `a change at ${new Date(when).toISOString()} leaked backwards`);
    // and the change does matter from that settlement on (the comparison above is not vacuous)
    assert.notDeepEqual(r.trades.map((t) => [t.entryTime, t.exitTime]), base.trades.map((t) => [t.entryTime, t.exitTime]));
  }
});

test('coverage: the interval change to 1h is read from the times, a dropped print is counted missing', () => {
  const prep = prepare(history);
  assert.equal(prep.coverage.settlements, 60 * 3 + 30 * 24);
  assert.equal(prep.coverage.missingSettlements, 0);
  assert.equal(prep.steps.find((s) => s.time === at(60))!.intervalHours, 8);
  assert.equal(prep.steps.find((s) => s.time === at(60, 1))!.intervalHours, 1);
  const holed = prepare({ ...history, funding: history.funding.filter((s) => s.time !== at(10, 8) && s.time !== at(70, 5)) });
  assert.equal(holed.coverage.missingSettlements, 2);
  assert.equal(holed.coverage.missingSpotKlines, 0);
});
