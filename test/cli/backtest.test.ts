import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { windowOf } from '../../src/backtest/run.js';
import { parseBacktestArgs } from '../../src/cli/backtestArgs.js';
import { startFakeBinance, type FakeBinance } from '../fakes/binance.js';
import { pngSize } from '../helpers/png.js';
import { runCli } from './helpers.js';

/** `npm run backtest` end to end in a child process against the loopback fake, and its argument parsing. */

const HOUR = 3_600_000;
const run = (args: string[], env: Record<string, string>) => runCli('backtest', args, env);

describe('npm run backtest', () => {
  let fake: FakeBinance;
  let dir: string;
  let env: Record<string, string>;
  before(async () => {
    fake = await startFakeBinance();
    dir = await mkdtemp(join(tmpdir(), 'carrybot-btcli-'));
    env = { BINANCE_SPOT_URL: fake.url, BINANCE_FUTURES_URL: fake.url, DATA_FILE: join(dir, 'carrybot.json') };
    // 30 days of steady 0.0006 8h funding around the real clock, flat prices
    const { from, to } = windowOf(Date.now(), 30);
    const rows = [];
    for (let t = from - 8 * 24 * HOUR; t <= to + 2 * HOUR; t += 8 * HOUR) rows.push({ fundingTime: t, fundingRate: '0.0006', markPrice: '150.1' });
    fake.symbols.get('SOLUSDT')!.fundingHistory = rows;
    fake.klines.hourly('SOLUSDT', 'spot', from, to + 2 * HOUR, () => '150');
    fake.klines.hourly('SOLUSDT', 'futures', from, to + 2 * HOUR, () => '150.1');
  });
  after(async () => {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the report, caches beside DATA_FILE, and the same window again costs no request', async () => {
    fake.clearRequests();
    const first = await run(['--symbols', 'SOLUSDT', '--days', '30'], env);
    assert.equal(first.stderr, '');
    assert.equal(first.code, 0);
    assert.match(first.stdout, /carrybot backtest — .* \(30 days\), 1 symbol/);
    assert.match(first.stdout, /^SOLUSDT\s+\d+\.\d\s+1\/0\+1\s/m);
    assert.match(first.stdout, /Not modelled: slippage beyond the book spread/);
    assert.match(first.stdout, /Requests: 3 \(weight 8; planned ≈ 8\); 0 of 1 symbol\(s\) from the cache/);
    assert.deepEqual(await readdir(join(dir, 'backtest')), [(await readdir(join(dir, 'backtest')))[0]!]);
    const count = fake.requests.length;
    const second = await run(['--symbols', 'SOLUSDT', '--days', '30', '--json'], env);
    assert.equal(second.code, 0);
    const report = JSON.parse(second.stdout) as { fromCache: number; spent: { requests: number }; from: number };
    // the window moves with the wall clock at the top of the hour: only then may it refetch
    if (report.from === windowOf(Date.now(), 30).from && report.fromCache === 1) {
      assert.equal(fake.requests.length, count);
      assert.equal(report.spent.requests, 0);
    }
  });

  it('--chart writes the cumulative net of the rules vs always in as a PNG', async () => {
    const file = join(dir, 'net.png');
    const r = await run(['--symbols', 'SOLUSDT', '--days', '30', '--chart', file], env);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, `chart written to ${file}\n`);
    assert.deepEqual(pngSize(await readFile(file)), { width: 1200, height: 700 });
  });

  it('refuses bad options with the usage and exit code 2, sending nothing', async () => {
    fake.clearRequests();
    const r = await run(['--days', '0'], env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--days needs a whole number from 1 to 365/);
    assert.match(r.stderr, /usage: npm run backtest --/);
    assert.equal(fake.requests.length, 0);
  });
});

describe('backtest arguments', () => {
  it('parses every option', () => {
    assert.deepEqual(parseBacktestArgs(['--symbols', 'btcusdt,SOLUSDT', '--days=180', '--notional', '2500.5', '--min-apr', '20', '--exit-apr', '-1', '--hold-days', '14', '--json', '--chart', 'out.png']), {
      symbols: ['BTCUSDT', 'SOLUSDT'],
      days: 180,
      notional: '2500.5',
      minApr: 20,
      exitApr: -1,
      holdDays: 14,
      json: true,
      chart: 'out.png',
      help: false,
    });
    assert.deepEqual(parseBacktestArgs(['--top', '5']), { top: 5, days: 90, notional: '10000', json: false, help: false });
  });

  it('says what is wrong', () => {
    const err = (argv: string[]) => (parseBacktestArgs(argv) as { error: string }).error;
    assert.match(err(['--symbols', 'BTC-PERP']), /--symbols needs USDT symbols/);
    assert.match(err(['--symbols', 'BTCUSDT', '--top', '3']), /cannot be used together/);
    assert.match(err(['--days', '400']), /from 1 to 365/);
    assert.match(err(['--notional', '0']), /positive USDT amount/);
    assert.match(err(['--chart', 'out.svg']), /ending in \.png/);
    assert.match(err(['--min-apr']), /--min-apr needs a number/);
    assert.match(err(['--frobnicate']), /unknown option --frobnicate/);
  });
});
