import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKlineApi } from '../../src/binance/klines.js';
import { setup } from '../binance/helpers.js';
import type { FakeBinance } from '../fakes/binance.js';
import type { LoadDeps } from '../../src/backtest/load.js';
import { NOW, scriptHistory } from './scenario.js';

/** The fake with the scripted history, a real client on it, and a temp cache folder. */
export async function backtestSetup(): Promise<{ fake: FakeBinance; deps: LoadDeps & { now: () => number }; close: () => Promise<void> }> {
  const env = await setup({ now: () => NOW }, { now: () => NOW });
  scriptHistory(env.fake);
  const cacheDir = await mkdtemp(join(tmpdir(), 'carrybot-bt-'));
  const deps = {
    futures: env.binance.futures,
    klines: createKlineApi(env.binance.spotHttp, env.binance.futuresHttp),
    cacheDir,
    now: () => NOW,
  };
  return {
    fake: env.fake,
    deps,
    close: async () => {
      await env.close();
      await rm(cacheDir, { recursive: true, force: true });
    },
  };
}
