import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderChart } from '../../src/charts/render.js';
import type { ChartSpec } from '../../src/charts/spec.js';
import { delivered, startHarness, type Harness } from '../telegram/harness.js';
import { startFakeBybit, type FakeBybit } from '../fakes/bybit.js';
import { startFakeOkx, type FakeOkx } from '../fakes/okx.js';
import { venueCoin, type VenueFault } from '../fakes/venueServer.js';

/**
 * The bot with Bybit and OKX loopback fakes beside the fake Binance: what users see in
 * /signals, /signals all and /funding, the venue-gap push (once, across restarts), and
 * /signals answering with Binance while a venue is down, hanging or answering garbage.
 */

const USER = 111;
const GAP_TITLE = 'Funding pays more elsewhere';

describe('other venues in the bot', () => {
  let bybit: FakeBybit;
  let okx: FakeOkx;
  let dir: string;
  before(async () => {
    const now = Date.now();
    dir = await mkdtemp(join(tmpdir(), 'carrybot-venues-'));
    // Binance SOL pays 0.012 % every 4 h (26.28 % APR); Bybit pays 0.04 % every 4 h (87.6 %)
    bybit = await startFakeBybit([venueCoin({ coin: 'SOL', rate: '0.0004', intervalHours: 4, historyDays: 8 }, now), venueCoin({ coin: 'SUI', rate: '0.0001', intervalHours: 8, historyDays: 8 }, now)]);
    okx = await startFakeOkx([venueCoin({ coin: 'SOL', rate: '0.0001', intervalHours: 8, historyDays: 8 }, now)]);
  });
  after(async () => {
    await bybit.close();
    await okx.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    bybit.setFault(null);
    okx.setFault(null);
  });

  const start = (dataFile?: string, venueTimeoutMs?: number) =>
    startHarness({ env: { VENUES: 'binance,bybit,okx', BYBIT_URL: bybit.url, OKX_URL: okx.url, LOG_LEVEL: 'warn' }, dataFile, venueTimeoutMs });

  async function ask(h: Harness, text: string): Promise<string> {
    const sent = h.tg.callsOf('sendMessage', USER).length;
    h.tg.sendText(USER, text);
    await h.tg.waitFor('sendMessage', (c) => c.body.chat_id === USER && h.tg.callsOf('sendMessage', USER).indexOf(c) >= sent, 10_000);
    return String(h.tg.callsOf('sendMessage', USER)[sent]!.body.text);
  }

  /** /funding and /signals answer with a chart: its caption, plus any text that did not fit */
  const askFunding = (h: Harness, symbol: string) => askChart(h, `/funding ${symbol}`);
  async function askChart(h: Harness, text: string): Promise<string> {
    const photo = h.tg.nextCall('sendPhoto', (c) => c.body.chat_id === USER, 20_000);
    const messages = h.tg.callsOf('sendMessage', USER).length;
    h.tg.sendText(USER, text);
    const caption = String((await photo).body.caption);
    await new Promise((r) => setTimeout(r, 50));
    return [caption, ...h.tg.callsOf('sendMessage', USER).slice(messages).map((c) => String(c.body.text))].join('\n');
  }

  it('/signals shows the better venue under a Binance row; /signals all ranks every venue; /funding has a per-venue table', async () => {
    const h = await start();
    try {
      const signals = await askChart(h, '/signals');
      assert.match(signals, /SOLUSDT[^\n]*\n[^\n]*\n\s+↗ Bybit \+84%/, 'Bybit net 87.6 − 3.77');
      assert.doesNotMatch(signals, /TRBUSDT[^\n]*\n[^\n]*\n\s+↗/, 'TRB trades on Binance only');

      const all = await ask(h, '/signals all 20');
      assert.match(all, /Top \d+ across venues/);
      assert.match(all, /Bybit\s+SOL\s+4h\s+87\.6\s+83\.8/);
      assert.match(all, /Bybit\s+SUI\s+8h/, 'a coin on Bybit only');
      assert.match(all, /Binance\s+TRB\s+1h/);

      const specs: ChartSpec[] = [];
      h.running.deps.charts = async (spec) => (specs.push(spec), renderChart(spec));
      const funding = await askFunding(h, 'SOLUSDT');
      assert.deepEqual(
        specs[0]!.series.map((x) => x.name).filter((n) => n === 'Bybit' || n === 'OKX'),
        ['Bybit', 'OKX'],
        'the chart draws the other venues’ settled rates',
      );
      assert.match(funding, /Per venue:/);
      assert.match(funding, /Binance\s+\+0\.0120\s+4h\s+\+26\.3/);
      assert.match(funding, /Bybit\s+\+0\.0400\s+4h\s+\+87\.6\s+\+87\.6/);
      assert.match(funding, /OKX\s+\+0\.0100\s+8h\s+\+11\.0\s+\+11\.0/);
      const trb = await askFunding(h, 'TRBUSDT');
      assert.match(trb, /Bybit\s+—\s+—\s+—\s+—/, 'not listed on Bybit');
    } finally {
      await h.close();
    }
  });

  it('the venue-gap push is sent once per change: not on the next tick, not after a restart', async () => {
    const dataFile = join(dir, 'gap.json');
    const gapPushes = (h: Harness) => h.tg.sentTexts(USER).filter((t) => t.includes(GAP_TITLE));
    let h = await start(dataFile);
    try {
      await h.running.jobs[0]!.runNow();
      await delivered(h);
      const pushes = gapPushes(h);
      assert.equal(pushes.length, 1);
      assert.match(pushes[0]!, /SOLUSDT: Bybit 7d APR \+87\.6% vs Binance \+2\d\.\d% \(\+6\d\.\d points\)/);
      assert.doesNotMatch(pushes[0]!, /TRBUSDT|SUI/);
      await h.running.jobs[0]!.runNow();
      await delivered(h);
      assert.equal(gapPushes(h).length, 1, 'unchanged gap: no second push');
    } finally {
      await h.close();
    }
    h = await start(dataFile);
    try {
      await h.running.jobs[0]!.runNow();
      await delivered(h);
      assert.equal(gapPushes(h).length, 0, 'the store remembers it across the restart');
      assert.equal(h.running.deps.ledger.venueGaps().SOLUSDT?.venue, 'bybit');
    } finally {
      await h.close();
    }
  });

  for (const fault of ['500', 'hang', 'garbage'] as VenueFault[]) {
    it(`/signals answers with Binance while Bybit answers ${fault}`, async () => {
      const h = await start(undefined, fault === 'hang' ? 1000 : undefined);
      try {
        bybit.setFault(fault);
        const signals = await askChart(h, '/signals');
        assert.match(signals, /Top 3 signals/);
        assert.match(signals, /TRBUSDT/);
        assert.doesNotMatch(signals, /↗ Bybit/);
        assert.match(signals, /\bBybit(, OKX)?: no answer this scan \(shown as —\)\./);
      } finally {
        await h.close();
      }
    });
  }
});
