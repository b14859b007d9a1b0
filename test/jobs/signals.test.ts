import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffSignals } from '../../src/jobs/signals.js';
import type { ScanResult, SymbolSignal } from '../../src/market/types.js';
import { delivered, startHarness, waitUntil } from '../telegram/harness.js';

const OWNER = 111;
const OTHER = 222;
const pushes = (texts: string[], what: RegExp) => texts.filter((t) => what.test(t));

describe('signal push job (real bot, fake Telegram + fake Binance)', () => {
  it('pushes entering signals once, to users with alerts on, in their language; survives a restart', async () => {
    const h = await startHarness({ allowed: [OWNER, OTHER] });
    const job = h.running.jobs.find((j) => j.name === 'signals')!;
    await h.running.deps.ledger.rewrite((d) => {
      d.users[String(OTHER)] = { alerts: true, lang: 'ru' };
    });
    try {
      await job.runNow();
      await delivered(h);
      const owner = pushes(h.tg.sentTexts(OWNER), /new signal/);
      assert.equal(owner.length, 1);
      for (const s of ['TRBUSDT', 'LPTUSDT', 'SOLUSDT']) assert.ok(owner[0]!.includes(s), `${s} pushed`);
      assert.ok(!owner[0]!.includes('BTCUSDT'));
      assert.match(owner[0]!, /3 new signals/);
      assert.equal(pushes(h.tg.sentTexts(OTHER), /3 новых сигнала/).length, 1, 'Russian push for the ru user');
      assert.deepEqual(Object.keys(h.running.deps.ledger.snapshot().activeSignals).sort(), ['LPTUSDT', 'SOLUSDT', 'TRBUSDT']);
      assert.ok(h.running.deps.ledger.snapshot().health.lastScanAt, 'health.lastScanAt written');

      // unchanged: nothing new
      const sent = h.tg.callsOf('sendMessage').length;
      await job.runNow();
      await delivered(h);
      assert.equal(h.tg.callsOf('sendMessage').length, sent);

      // alerts off for OTHER; SOL leaves (funding turned negative, 7-day history present)
      await h.running.deps.ledger.rewrite((d) => {
        d.users[String(OTHER)]!.alerts = false;
      });
      h.binance.setFunding('SOLUSDT', { lastFundingRate: '-0.00010000' });
      await job.runNow();
      await delivered(h);
      const left = pushes(h.tg.sentTexts(OWNER), /signal ended/);
      assert.equal(left.length, 1);
      assert.match(left[0]!, /SOLUSDT: net APR now/);
      assert.ok(!left[0]!.includes('LPTUSDT'));
      assert.equal(pushes(h.tg.sentTexts(OTHER), /сигнал завершился/).length, 0, 'alerts off → no push');
      assert.deepEqual(Object.keys(h.running.deps.ledger.snapshot().activeSignals).sort(), ['LPTUSDT', 'TRBUSDT']);
    } finally {
      await h.running.stop('restart');
      await h.tg.close();
      await h.binance.close();
    }

    // a new process on the same ledger: the same signals are not pushed again
    const h2 = await startHarness({ allowed: [OWNER], dataFile: h.dataFile, beforeStart: (_tg, b) => b.setFunding('SOLUSDT', { lastFundingRate: '-0.00010000' }) });
    try {
      await h2.running.jobs.find((j) => j.name === 'signals')!.runNow();
      await delivered(h2);
      assert.equal(h2.tg.callsOf('sendMessage').length, 0, 'no repeat after restart');
      h2.binance.setFunding('SOLUSDT', { lastFundingRate: '0.00012000' });
      await h2.running.jobs.find((j) => j.name === 'signals')!.runNow();
      await delivered(h2);
      const back = h2.tg.sentTexts(OWNER);
      assert.equal(back.length, 1);
      assert.match(back[0]!, /1 new signal\b/);
      assert.ok(back[0]!.includes('SOLUSDT') && !back[0]!.includes('LPTUSDT'));
    } finally {
      await h2.close();
      await h.close().catch(() => undefined);
    }
  });

  it('runs on a cron with a seconds field: one push for an entering signal, none on the next ticks', async () => {
    const h = await startHarness({ allowed: [OWNER], env: { SIGNAL_CRON: '* * * * * *' } });
    const scans: number[] = [];
    h.running.deps.onScan.push(async (scan) => {
      scans.push(scan.at);
    });
    try {
      await h.tg.waitFor('sendMessage', (c) => /new signals/.test(String(c.body.text)), 5000);
      await waitUntil(() => scans.length >= 3, 'three scan ticks', 8000);
      assert.equal(pushes(h.tg.sentTexts(OWNER), /new signal/).length, 1);
      assert.ok(h.running.deps.ledger.snapshot().health.lastScanAt! >= scans[2]!);
    } finally {
      await h.close();
    }
  });

  it('a failing scan is logged and the next tick runs normally; post-scan hook errors are contained', async () => {
    const h = await startHarness({ allowed: [OWNER] });
    const job = h.running.jobs.find((j) => j.name === 'signals')!;
    let hookRuns = 0;
    h.running.deps.onScan.push(async () => {
      hookRuns++;
      throw new Error('hook boom');
    });
    try {
      const fault = h.binance.inject({ path: '/fapi/v1/premiumIndex' }, { status: 400, code: -1121, msg: 'Invalid symbol.' }, { times: 5 });
      await job.runNow();
      await delivered(h);
      assert.ok(h.logs.some((l) => l.job === 'signals' && l.level === 50), 'tick error logged');
      assert.equal(h.running.deps.ledger.snapshot().health.lastScanAt, undefined);
      assert.ok(fault.hits >= 1);
      fault.remove();
      await job.runNow();
      await delivered(h);
      assert.ok(h.running.deps.ledger.snapshot().health.lastScanAt, 'next tick scanned');
      assert.equal(hookRuns, 1);
      assert.ok(h.logs.some((l) => l.msg === 'post-scan hook failed'));
    } finally {
      await h.close();
    }
  });
});

describe('diffSignals', () => {
  const row = (symbol: string, isSignal: boolean, apr7d: number | null): SymbolSignal => ({ symbol, isSignal, apr7d, netApr: 1 }) as SymbolSignal;
  const scan = (rows: SymbolSignal[]): ScanResult => ({ at: 1, rows, signals: rows.filter((r) => r.isSignal), requests: 0, weight: 0, universeSize: rows.length });

  it('enters new signals, leaves on evidence only', () => {
    const d = diffSignals(['A', 'B', 'C', 'D'], scan([row('A', true, 30), row('B', false, 3), row('C', false, null), row('E', true, 20)]));
    assert.deepEqual(d.entered.map((s) => s.symbol), ['E']);
    // B: not a signal with history → left; C: history pending → undecided, stays; D: gone → left
    assert.deepEqual(d.left.map((l) => l.symbol), ['B', 'D']);
  });
});
