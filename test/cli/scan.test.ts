import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeBinance, type FakeBinance } from '../fakes/binance.js';
import { startFakeBybit } from '../fakes/bybit.js';
import { venueCoin } from '../fakes/venueServer.js';
import { pngSize } from '../helpers/png.js';
import { runCli } from './helpers.js';

/**
 * `npm run scan` end to end: the real CLI in a child process against the loopback fake, asserting
 * what it printed and what crossed the wire. The child is spawned asynchronously because the fake
 * answers from this process's event loop.
 */

const runScan = (args: string[], env: Record<string, string>) => runCli('scan', args, env);

describe('npm run scan', () => {
  let fake: FakeBinance;
  before(async () => {
    fake = await startFakeBinance();
    // every settlement 30 min ahead: at hh:45-hh:59 the 1h symbol would otherwise add a
    // "settles <15m" warning and the table would depend on the wall clock
    for (const symbol of fake.symbols.keys()) fake.setFunding(symbol, { nextFundingTime: Date.now() + 30 * 60_000 });
  });
  after(async () => {
    await fake.close();
  });

  it('prints the ranked table with signals, from three bulk requests and history for candidates only', async () => {
    fake.requests = [];
    const r = await runScan([], { BINANCE_SPOT_URL: fake.url, BINANCE_FUTURES_URL: fake.url });
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /: 7 symbols, 3 signals \(net APR ≥ 15% after fees over 30 days/);
    assert.match(r.stdout, /cost: 6 requests \/ weight 41 \+ 3 funding-history requests/);

    const lines = r.stdout.split('\n');
    const header = lines.findIndex((l) => l.startsWith('SYMBOL'));
    assert.ok(header > 0, r.stdout);
    const table = lines.slice(header + 1).filter(Boolean);
    assert.deepEqual(
      table.map((l) => l.split(/\s+/)[0]),
      ['TRBUSDT', 'LPTUSDT', 'SOLUSDT', 'ETHUSDT', 'BTCUSDT', 'GTCUSDT', 'XRPUSDT'],
      '1000PEPEUSDT has no spot pair; the 1h and 4h symbols rank on their annualised funding',
    );
    assert.match(table[0] ?? '', /^TRBUSDT\s+1h\s+\+0\.0350\s+\+306\.60\s+\+\d+\.\d\d .*✓\s+1h interval \(capped\)$/);
    assert.match(table[1] ?? '', /^LPTUSDT\s+4h\s+\+0\.0250\s+\+54\.75\s+\+\d+\.\d\d .*✓$/);
    assert.match(table[3] ?? '', /^ETHUSDT\s+8h\s+\+0\.0100\s+\+10\.95\s+—\s.*\+7\.30\s+\d\d:\d\d in \S+\s+·$/, 'no history, no signal');
    assert.match(table[6] ?? '', /^XRPUSDT\s+8h\s+-0\.0045\s+-4\.93\s.*·\s+negative funding$/);

    const paths = fake.requests.map((q) => q.path);
    assert.equal(paths.filter((p) => p === '/fapi/v1/premiumIndex').length, 1);
    assert.equal(paths.filter((p) => p === '/api/v3/ticker/bookTicker').length, 1);
    assert.equal(paths.filter((p) => p === '/fapi/v1/ticker/bookTicker').length, 1);
    assert.ok(fake.requests.every((q) => q.path === '/fapi/v1/fundingRate' || q.params.symbol === undefined), 'no per-symbol market-data requests');
    assert.deepEqual(
      fake.requests
        .filter((q) => q.path === '/fapi/v1/fundingRate')
        .map((q) => q.params.symbol)
        .sort(),
      ['LPTUSDT', 'SOLUSDT', 'TRBUSDT'],
    );
  });

  it('--json --top 2 prints machine-readable rows', async () => {
    const r = await runScan(['--json', '--top', '2'], { BINANCE_SPOT_URL: fake.url, BINANCE_FUTURES_URL: fake.url, MIN_APR: '40' });
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout) as { universeSize: number; rows: Array<{ symbol: string; isSignal: boolean; intervalHours: number }>; signals: unknown[] };
    assert.equal(json.universeSize, 7);
    assert.deepEqual(
      json.rows.map((x) => [x.symbol, x.intervalHours, x.isSignal]),
      [
        ['TRBUSDT', 1, true],
        ['LPTUSDT', 4, true],
      ],
    );
    assert.equal(json.signals.length, 2);
  });

  it('fails in one clear line with exit code 1 when Binance cannot be reached', async () => {
    const r = await runScan([], { BINANCE_SPOT_URL: fake.url, BINANCE_FUTURES_URL: 'http://127.0.0.1:1' });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^scan failed: cannot reach Binance futures at http:\/\/127\.0\.0\.1:1 \(.*ECONNREFUSED.*\)\n$/);
  });

  it('rejects bad options and bad configuration without a stack trace', async () => {
    const bad = await runScan(['--top', 'x'], { BINANCE_SPOT_URL: fake.url, BINANCE_FUTURES_URL: fake.url });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^scan failed: --top needs a whole number/);
    const cfg = await runScan([], { BINANCE_SPOT_URL: fake.url, BINANCE_FUTURES_URL: fake.url, HOLD_DAYS: '0' });
    assert.equal(cfg.code, 1);
    assert.match(cfg.stderr, /^scan failed: invalid configuration: HOLD_DAYS must be a number of days greater than 0 \(got "0"\)\n$/);
  });

  it('--chart FILE.png writes the top-N net APR chart; the table still goes to stdout', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'carrybot-scan-chart-'));
    try {
      const file = join(dir, 'top.png');
      const r = await runScan(['--top', '3', '--chart', file], { BINANCE_SPOT_URL: fake.url, BINANCE_FUTURES_URL: fake.url });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /TRBUSDT/);
      assert.match(r.stderr, /^chart: .*top\.png \(1200×700, top 3 by net APR\)\n$/);
      assert.deepEqual(pngSize(await readFile(file)), { width: 1200, height: 700 });
      const bad = await runScan(['--chart'], { BINANCE_SPOT_URL: fake.url, BINANCE_FUTURES_URL: fake.url });
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--chart needs a file name/);
      const unwritable = await runScan(['--chart', join(dir, 'no', 'such', 'dir.png')], { BINANCE_SPOT_URL: fake.url, BINANCE_FUTURES_URL: fake.url });
      assert.equal(unwritable.code, 1);
      assert.match(unwritable.stderr, /^chart not written: ENOENT/m);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('--venues adds each venue’s net APR; --venue all ranks every venue; a venue that is down shows — and Binance still prints', async () => {
    const now = Date.now();
    const bybit = await startFakeBybit([venueCoin({ coin: 'BTC', rate: '0.0003', intervalHours: 8, historyDays: 8 }, now), venueCoin({ coin: 'SUI', rate: '0.0002', intervalHours: 4, historyDays: 8 }, now)]);
    try {
      const env = { BINANCE_SPOT_URL: fake.url, BINANCE_FUTURES_URL: fake.url, BYBIT_URL: bybit.url, OKX_URL: 'http://127.0.0.1:1', VENUES: 'binance,bybit,okx' };
      const cols = await runScan(['--venues'], env);
      assert.equal(cols.code, 0, cols.stderr);
      assert.match(cols.stdout, /^Bybit: 2 coins, 3 requests \+ 2 funding-history requests$/m);
      assert.match(cols.stdout, /^OKX: unavailable \(.*ECONNREFUSED.*\), shown as —; Binance is unaffected$/m);
      const lines = cols.stdout.split('\n');
      const header = lines.find((l) => l.startsWith('SYMBOL'))!;
      assert.match(header, /NET APR %\s+BYBIT NET %\s+OKX NET %\s+NEXT FUNDING/);
      // BTC on Bybit: 0.0003 per 8h = 32.85 % APR, less 0.31 % round trip × 365 / 30
      assert.match(lines.find((l) => l.startsWith('BTCUSDT'))!, /\+29\.08\s+—\s+\d\d:\d\d/);
      assert.match(lines.find((l) => l.startsWith('ETHUSDT'))!, /\s—\s+—\s+\d\d:\d\d/, 'ETH is not listed on Bybit');

      const all = await runScan(['--venue', 'all', '--all'], env);
      assert.equal(all.code, 0, all.stderr);
      const rows = all.stdout.split('\n').filter((l) => /^(Binance|Bybit|OKX)\s/.test(l));
      assert.ok(rows.some((l) => /^Bybit\s+SUIUSDT\s+4h/.test(l)), 'a coin on Bybit only is ranked too');
      assert.ok(rows.some((l) => /^Binance\s+TRBUSDT/.test(l)));
    } finally {
      await bybit.close();
    }
  });
});
