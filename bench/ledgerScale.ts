import { statSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConfig } from '../src/config.js';
import { createSignalTick } from '../src/jobs/signals.js';
import { historyPaths } from '../src/ledger/history.js';
import { openLedger, type Ledger } from '../src/ledger/ledger.js';
import { createMarketService } from '../src/market/service.js';
import { createTrading } from '../src/trading/index.js';
import { startFakeBinance, type FakeBinance, type FakeRequest } from '../test/fakes/binance.js';
import { writeLedgerFixture } from './ledgerFixture.js';
import { mb, median, percentile, round, type Figure } from './report.js';
import { buildChild, run } from './scale.js';
import { silent, unlimitedClient } from './shared.js';

/**
 * The ledger at scale: for 0, 100k and 1M funding rows (bench/ledgerFixture.ts), the trade path
 * against the fake with a ledger write queued while the futures order is in flight, the bytes one
 * trade-path update writes, the CPU of one signal tick, and (in a compiled child) load time, RSS
 * and /pnl. Targets apply at 1M rows, or at every size where the issue says so.
 */

const SIZES = [0, 100_000, 1_000_000];
const ROUNDS = 100;
const TICKS = 24;
const USER = 1001;
const HOUR = 3_600_000;

interface Probe {
  loadMs: number;
  /** the first all-time report after open (reads the whole fills journal once) */
  pnlFirst: number;
  pnlAll: number[];
  pnl30d: number[];
  rss: number;
  heapUsed: number;
  maxRssKb: number;
  positions: number;
}

interface SizeRun {
  rows: number;
  fixtureMb: number;
  probe: Probe;
  toFutures: number[];
  /** fill → spot with a ledger write queued during the futures order (every other round) */
  toSpot: number[];
  /** the same without one: the machine's own noise */
  toSpotQuiet: number[];
  bytesPerUpdate: number;
  tickCpuMs: number;
}

async function probe(entry: string, file: string, now: number): Promise<Probe> {
  let out: Probe | undefined;
  await run(process.execPath, [entry, file, String(now)], false, (l) => (out = JSON.parse(l) as Probe));
  if (!out) throw new Error('ledger probe printed nothing');
  return out;
}

const dirBytes = async (dir: string): Promise<number> => {
  let n = 0;
  for (const f of await readdir(dir)) n += (await stat(join(dir, f))).size;
  return n;
};

/** every byte the ledger's files hold: the state document is rewritten whole, journals grow */
function ledgerBytes(file: string): { state: number; journals: number } {
  const size = (f: string) => {
    try {
      return statSync(f).size;
    } catch {
      return 0;
    }
  };
  const p = historyPaths(file);
  return { state: size(file), journals: size(p.fills) + size(p.funding) + size(p.intents) + size(p.positions) };
}

/** Opens and closes ROUNDS times; a ledger write is queued while each futures order is in flight. */
/** What the bot's outbox sender does once Telegram accepted each message (the bench runs no Telegram). */
async function deliverOutbox(ledger: Ledger): Promise<void> {
  for (let next = ledger.nextMessages(); next.length > 0; next = ledger.nextMessages()) {
    for (const entry of next) await ledger.markSent(entry.id);
  }
}

async function tradePath(fake: FakeBinance, ledger: Ledger, file: string, now: number): Promise<Pick<SizeRun, 'toFutures' | 'toSpot' | 'toSpotQuiet' | 'bytesPerUpdate'>> {
  const binance = unlimitedClient(fake, true);
  const config = createConfig({
    TRADING_MODE: 'live',
    BINANCE_API_KEY: fake.apiKey,
    BINANCE_API_SECRET: fake.apiSecret,
    BINANCE_SPOT_URL: fake.url,
    BINANCE_FUTURES_URL: fake.url,
    DATA_FILE: file,
    MAX_POSITION_USDT: '100000000',
    MAX_TOTAL_USDT: '1000000000',
  });
  const market = createMarketService({ spot: binance.spot, futures: binance.futures, config, logger: silent });
  const trading = createTrading({ config, ledger, market, binance, logger: silent });
  let futuresReq: FakeRequest | undefined;
  let spotReq: FakeRequest | undefined;
  let withWrite = false;
  let queued = 0;
  let tran = 0;
  // what a job would write while the short is in flight: a scan result or an income page
  const concurrentWrite = (): void => {
    const write =
      queued++ % 2 === 0
        ? ledger.recordScan({ at: now, entered: [], left: [], signals: [{ symbol: 'BTCUSDT', netApr: 20 + (queued % 7) }] })
        : ledger.appendFunding(
            () => ledger.openPositions('live').slice(0, 20).map((p) => ({ tranId: `bench${tran++}`, symbol: p.symbol, amount: '0.01234567', asset: 'USDT', time: now + tran, positionId: p.id, mode: 'live' as const })),
            { incomeTime: now + tran, syncedAt: now },
          );
    void write.catch(() => undefined);
  };
  const onRequest = (r: FakeRequest) => {
    if (r.method === 'POST' && r.path === '/fapi/v1/order' && !futuresReq) {
      futuresReq = r;
      if (withWrite) concurrentWrite();
    } else if (r.method === 'POST' && r.path === '/api/v3/order' && !spotReq) spotReq = r;
  };
  fake.on('request', onRequest);
  const toFutures: number[] = [];
  const toSpot: number[] = [];
  const toSpotQuiet: number[] = [];
  let bytesPerUpdate = 0;
  try {
    const symbols = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'];
    for (let i = 0; i < ROUNDS; i++) {
      const symbol = symbols[i % symbols.length]!;
      const { token } = await trading.previewOpen(USER, USER, symbol, symbol === 'BTCUSDT' ? '0.01' : '1');
      await ledger.flush();
      futuresReq = undefined;
      spotReq = undefined;
      withWrite = i % 2 === 0;
      const before = ledgerBytes(file);
      const t0 = performance.now();
      const res = await trading.confirm(token, USER);
      if (res.kind !== 'open' || res.outcome.kind !== 'opened') throw new Error(`open ${i}: ${JSON.stringify(res).slice(0, 200)}`);
      const f = futuresReq as FakeRequest | undefined;
      const s = spotReq as FakeRequest | undefined;
      if (!f || !s || f.answeredAt === undefined) throw new Error(`open ${i}: orders not seen at the fake`);
      toFutures.push(f.at - t0);
      (withWrite ? toSpot : toSpotQuiet).push(s.at - f.answeredAt);
      await ledger.flush();
      // the open's two writes (intent, result), plus the queued one if any: what each rewrote or appended
      const after = ledgerBytes(file);
      bytesPerUpdate = Math.max(bytesPerUpdate, (after.journals - before.journals) / (withWrite ? 3 : 2) + Math.max(before.state, after.state));
      await deliverOutbox(ledger);
      const close = await trading.previewClose(USER, USER, symbol);
      if (close.kind !== 'preview') throw new Error(`close ${i}: ${close.kind}`);
      const closed = await trading.confirm(close.token, USER);
      if (closed.kind !== 'close' || closed.outcome.kind !== 'closed') throw new Error(`close ${i}: ${JSON.stringify(closed).slice(0, 200)}`);
      await deliverOutbox(ledger);
    }
  } finally {
    fake.off('request', onRequest);
    await ledger.flush();
    await binance.close();
  }
  return { toFutures, toSpot, toSpotQuiet, bytesPerUpdate };
}

/** CPU (user + system) of one signal tick against the fake, median over TICKS after a warm-up. */
async function tickCpu(fake: FakeBinance, ledger: Ledger): Promise<number> {
  const binance = unlimitedClient(fake);
  const market = createMarketService({ spot: binance.spot, futures: binance.futures, config: createConfig({}), logger: silent });
  const audience = { all: () => [], alerts: () => [] };
  const tick = createSignalTick({ market, ledger, audience, logger: silent, now: Date.now, onScan: [] });
  const cpu: number[] = [];
  try {
    for (let i = 0; i < TICKS + 4; i++) {
      const c0 = process.cpuUsage();
      await tick();
      await ledger.flush();
      const c = process.cpuUsage(c0);
      if (i >= 4) cpu.push((c.user + c.system) / 1000);
    }
  } finally {
    await binance.close();
  }
  return median(cpu);
}

async function oneSize(entry: string, fake: FakeBinance, rows: number): Promise<SizeRun> {
  const dir = await mkdtemp(join(tmpdir(), 'carrybot-bench-ledger-'));
  const file = join(dir, 'carrybot.json');
  const now = Date.now() - HOUR;
  try {
    await writeLedgerFixture(file, rows, now);
    const fixtureMb = mb(await dirBytes(dir));
    const p = await probe(entry, file, now);
    const ledger = await openLedger(file, { logger: silent });
    try {
      const trade = await tradePath(fake, ledger, file, now);
      const tickCpuMs = await tickCpu(fake, ledger);
      return { rows, fixtureMb, probe: p, ...trade, tickCpuMs };
    } finally {
      await ledger.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const k = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n));

export async function benchLedgerScale(): Promise<Figure[]> {
  const entry = await buildChild('ledgerProbe');
  const fake = await startFakeBinance({ spotBalances: { USDT: '1000000000' }, futuresBalances: { USDT: '1000000000' } });
  const runs: SizeRun[] = [];
  try {
    // a first pass at 0 rows warms the JIT, so the sizes compare like with like
    await oneSize(entry, fake, 0);
    for (const rows of SIZES) runs.push(await oneSize(entry, fake, rows));
  } finally {
    await fake.close();
  }
  const base = runs[0]!;
  const big = runs[runs.length - 1]!;
  const figures: Figure[] = [];
  for (const r of runs) {
    const at1M = r === big;
    const n = k(r.rows);
    figures.push(
      { name: `ledger ${n}: files on disk`, value: r.fixtureMb, unit: 'MB', note: `${r.probe.positions.toLocaleString('en')} positions` },
      { name: `ledger ${n}: load`, value: round(r.probe.loadMs, 1), unit: 'ms', ...(at1M ? { target: 1500 } : {}), note: 'openLedger in a fresh compiled process' },
      { name: `ledger ${n}: RSS after load and /pnl`, value: mb(r.probe.rss), unit: 'MB', ...(at1M ? { target: 300 } : {}), note: `peak ${round(r.probe.maxRssKb / 1024, 1)} MB, heap ${mb(r.probe.heapUsed)} MB` },
      { name: `ledger ${n}: /pnl all (median)`, value: round(median(r.probe.pnlAll), 2), unit: 'ms', ...(at1M ? { target: 50 } : {}), note: `/pnl 30d ${round(median(r.probe.pnl30d), 2)} ms; first after open ${round(r.probe.pnlFirst, 0)} ms` },
      { name: `ledger ${n}: confirm → futures (median)`, value: round(median(r.toFutures), 2), unit: 'ms' },
      { name: `ledger ${n}: confirm → futures (p99)`, value: round(percentile(r.toFutures, 99), 2), unit: 'ms', ...(at1M ? { target: 20 } : {}) },
      {
        name: `ledger ${n}: fill → spot (p99)`,
        value: round(percentile(r.toSpot, 99), 3),
        unit: 'ms',
        target: 2,
        note: `median ${round(median(r.toSpot), 3)} ms; a scan or income write queued during the futures order`,
      },
      { name: `ledger ${n}: fill → spot, nothing queued (p99)`, value: round(percentile(r.toSpotQuiet, 99), 3), unit: 'ms', note: `median ${round(median(r.toSpotQuiet), 3)} ms; the machine's own noise` },
      { name: `ledger ${n}: bytes written per trade update (max)`, value: round(r.bytesPerUpdate / 1024, 1), unit: 'KB', target: 64 },
      { name: `ledger ${n}: CPU per signal tick (median)`, value: round(r.tickCpuMs, 2), unit: 'ms', note: 'scan of the fake market in this process, ledger write included' },
    );
  }
  figures.push(
    {
      name: `ledger ${k(big.rows)}: confirm → futures median ÷ 0-row median`,
      value: round(median(big.toFutures) / median(base.toFutures), 2),
      unit: '×',
      target: 1.5,
      note: `p99 ÷ 0-row p99 ${round(percentile(big.toFutures, 99) / percentile(base.toFutures, 99), 2)}×`,
    },
    {
      name: `ledger: signal tick CPU change 0 → ${k(big.rows)}`,
      value: round(Math.abs(big.tickCpuMs / base.tickCpuMs - 1) * 100, 1),
      unit: '%',
      target: 20,
      note: `${round(base.tickCpuMs, 2)} → ${round(big.tickCpuMs, 2)} ms (±)`,
    },
  );
  return figures;
}
