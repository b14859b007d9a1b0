import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCached, readCached } from '../src/backtest/cache.js';
import { prepare } from '../src/backtest/prepare.js';
import { replay } from '../src/backtest/replay.js';
import { windowOf } from '../src/backtest/run.js';
import { mergeCurves } from '../src/backtest/summary.js';
import { HOUR_MS } from '../src/backtest/types.js';
import { LOOKBACK_MS } from '../src/backtest/load.js';
const { from, to } = windowOf(Date.now(), 180);
const dir = await mkdtemp(join(tmpdir(), 'x-'));
function prng(seed: number) { let a = seed >>> 0; return () => { a = (a + 0x6d2b79f5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; }; }
for (let i=0;i<20;i++){ const rand=prng(i+1); const ih = i<12?8:i<17?4:1; const funding=[]; let regime=0.0001;
 for (let t = Math.ceil((from - LOOKBACK_MS) / (ih * HOUR_MS)) * ih * HOUR_MS; t <= to; t += ih * HOUR_MS) { if (rand()<0.01) regime=[0.0001,0.0005,-0.0002,0.00005][Math.floor(rand()*4)]!; funding.push({time:t, rate:(regime*ih/8*(0.6+rand()*0.8)).toFixed(8), mark:'100'}); }
 const spot:[number,string][]=[], futures:[number,string][]=[]; let price=100; for (let t=from;t<=to;t+=HOUR_MS){price*=1+(rand()-0.5)*0.01; spot.push([t,price.toFixed(4)]); futures.push([t,(price*(1+rand()*0.002)).toFixed(4)]);}
 await writeCached(dir,{symbol:`S${i}USDT`,from,to,funding,spot,futures}); }
const p = { notional: '10000', minApr: 15, exitApr: 5, holdDays: 30, spotTakerFee: '0.001', futuresTakerFee: '0.0005', leverage: 1 };
for (let round=0; round<3; round++){
 const tm={read:0,prep:0,rules:0,always:0,nofee:0,merge:0}; const curves=[];
 for (let i=0;i<20;i++){ let t=performance.now(); const h=(await readCached(dir,`S${i}USDT`,from,to))!; tm.read+=performance.now()-t; t=performance.now();
  const pr=prepare(h); tm.prep+=performance.now()-t; t=performance.now(); const r=replay(pr,p,'rules'); tm.rules+=performance.now()-t; t=performance.now();
  const a=replay(pr,p,'always'); tm.always+=performance.now()-t; t=performance.now(); replay(pr,{...p,spotTakerFee:'0',futuresTakerFee:'0'},'rules'); tm.nofee+=performance.now()-t; curves.push(r.curve, a.curve);}
 let t=performance.now(); mergeCurves(curves.filter((_,i)=>i%2==0)); mergeCurves(curves.filter((_,i)=>i%2==1)); tm.merge=performance.now()-t;
 console.log(Object.entries(tm).map(([k,v])=>k+'='+v.toFixed(0)).join(' '));
}
