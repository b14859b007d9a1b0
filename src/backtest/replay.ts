import { decide, exitConditions, type Decision, type SignalParams } from '../market/signals.js';
import { Decimal, ZERO, type Decimal as Dec } from '../money.js';
import type { Prepared, Step } from './prepare.js';
import { DAY_MS, type BacktestParams, type ExitReason, type ReplayResult, type Trade } from './types.js';

/**
 * Replays one symbol settlement by settlement. `rules` asks the bot's own signal decision (the
 * one the scan uses) at each settlement, fed only the funding rows up to that settlement:
 * entry when it would signal, exit when the exit rule fires. `always` enters at the first
 * priced settlement and never exits. Both pay taker fees on both legs at entry and exit and the
 * basis of that hour; funding accrues on the held quantity × the settlement's mark. A position
 * still open at the end is closed at the last settlement, fees paid, so every figure is realised.
 */

export type Policy = 'rules' | 'always';

interface Open {
  entry: Step;
  qty: Dec;
  entryGap: Dec;
  funding: Dec;
  fees: Dec;
  /** realised before this trade − entry fees + qty × entry gap: the marked value is this + funding − qty × gap now */
  base: Dec;
}

/** The decision at one settlement, made by the same function the live scan uses. */
export function signalAt(prep: Prepared, step: Step, params: SignalParams): Decision {
  return decide({
    intervalHours: step.intervalHours,
    rate: prep.rows[step.index]!.rate,
    // only what had settled by now: the slice ends at this settlement
    history: prep.rows.slice(step.lo, step.index + 1),
    now: step.time,
    params,
  });
}

function legFees(qty: Dec, step: Step, p: BacktestParams): Dec {
  return qty.mul(step.spotD).mul(p.spotTakerFee).plus(qty.mul(step.futures!).mul(p.futuresTakerFee));
}

export function replay(prep: Prepared, p: BacktestParams, policy: Policy): ReplayResult {
  const signalParams: SignalParams = { minApr: p.minApr, holdDays: p.holdDays, spotTakerFee: p.spotTakerFee, futuresTakerFee: p.futuresTakerFee, leverage: p.leverage };
  const trades: Trade[] = [];
  const times: number[] = [];
  const values: Dec[] = [];
  let realized = ZERO;
  let peak = ZERO;
  let maxDrawdown = ZERO;
  let open: Open | undefined;
  let exits = 0;

  const close = (step: Step, reason: ExitReason) => {
    const o = open!;
    const fees = o.fees.plus(legFees(o.qty, step, p));
    // spot bought at entry, futures sold: PnL = qty × (entry gap − exit gap)
    const basisPnl = o.qty.mul(o.entryGap.minus(step.gapD));
    trades.push({
      entryTime: o.entry.time,
      exitTime: step.time,
      reason,
      qty: o.qty.toFixed(),
      entrySpot: o.entry.spot!,
      entryFutures: o.entry.futures!,
      exitSpot: step.spot!,
      exitFutures: step.futures!,
      funding: o.funding,
      fees,
      basisPnl,
    });
    realized = realized.plus(o.funding).minus(fees).plus(basisPnl);
    open = undefined;
  };
  const mark = (step: Step) => {
    const value = open ? open.base.plus(open.funding).minus(open.qty.mul(step.gapD)) : realized;
    if (value.gt(peak)) peak = value;
    else {
      const fall = peak.minus(value);
      if (fall.gt(maxDrawdown)) maxDrawdown = fall;
    }
    times.push(step.time);
    values.push(value);
  };

  const steps = prep.steps;
  for (const step of steps) {
    const priced = step.priced;
    if (open) open.funding = open.funding.plus(open.qty.mul(step.rateMarkD));
    if (priced) {
      if (!open) {
        if (policy === 'always' || signalAt(prep, step, signalParams).isSignal) {
          const qty = new Decimal(p.notional).div(step.spotD).toDecimalPlaces(8, Decimal.ROUND_DOWN);
          const fees = legFees(qty, step, p);
          open = { entry: step, qty, entryGap: step.gapD, funding: ZERO, fees, base: realized.minus(fees).plus(qty.mul(step.gapD)) };
        }
      } else if (policy === 'rules') {
        const why = exitConditions(signalAt(prep, step, signalParams), p.exitApr);
        if (why.length) {
          close(step, why[0]!);
          exits += 1;
        }
      }
    }
    if (priced || !open) mark(step);
  }
  const last = [...steps].reverse().find((s) => s.priced);
  const openAtEnd = open !== undefined;
  if (open && last) {
    close(last, 'end');
    const value = realized;
    if (peak.minus(value).gt(maxDrawdown)) maxDrawdown = peak.minus(value);
    values[values.length - 1] = value;
  }

  let funding = ZERO;
  let fees = ZERO;
  let basisPnl = ZERO;
  let daysInTrade = 0;
  for (const t of trades) {
    funding = funding.plus(t.funding);
    fees = fees.plus(t.fees);
    basisPnl = basisPnl.plus(t.basisPnl);
    daysInTrade += (t.exitTime - t.entryTime) / DAY_MS;
  }
  return {
    trades,
    funding,
    fees,
    basisPnl,
    net: funding.minus(fees).plus(basisPnl),
    daysInTrade,
    entries: trades.length,
    exits,
    openAtEnd,
    maxDrawdown,
    curve: { times, values },
  };
}
