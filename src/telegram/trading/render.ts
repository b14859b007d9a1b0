import { UserError } from '../../errors.js';
import { dec } from '../../money.js';
import type { OutgoingMessage, Translator } from '../../notify.js';
import type { TradeEvent } from '../../events.js';
import type { ErrorInfo, Outcome } from '../../trading/executor.js';
import type { LegFill } from '../../trading/port.js';
import type { ConfirmResult, Preview } from '../../trading/service.js';
import { pre, type TableRow } from '../render.js';
import { CB } from './buttons.js';

/**
 * Trading messages: the preview with its two buttons (confirm first, cancel
 * second), and what happened after the tap. Every text comes from locales/<lang>/trading.json.
 */

/** decimals a Binance price string carries ("114850.01" → 2), capped at 8 */
const decimalsOf = (s: string): number => Math.min(8, s.includes('.') ? s.replace(/0+$/, '').split('.')[1]!.length : 0);
const price = (t: Translator, s: string) => t.num(s, Math.max(2, decimalsOf(s)));
const qty = (t: Translator, s: string) => t.num(s, decimalsOf(dec(s).toFixed()));
const modeOf = (t: Translator, mode: string) => t.t(`core.mode.${mode}`);
const marketOf = (t: Translator, m: string) => t.t(`trading.market.${m}`);

export function reasonHtml(t: Translator, e: ErrorInfo): string {
  return e.code !== undefined ? t.t('trading.result.reason', { message: e.message, code: e.code }) : t.t('trading.result.reasonNoCode', { message: e.message });
}

/** The text of a UserError, with market names translated. */
export function userErrorText(t: Translator, err: UserError): string {
  const params = { ...err.params };
  if (typeof params.market === 'string') params.market = marketOf(t, params.market);
  return t.t(err.key, params);
}

function signalRows(t: Translator, p: Preview): TableRow[] {
  const apr = (v: number | null) => (v === null ? t.t('trading.preview.na') : t.pct(v, 2, { sign: true }));
  return [
    [t.t('trading.preview.fees'), t.t('trading.preview.feeLine', { spot: t.num(p.spotFee, 2), futures: t.usdt(p.futuresFee) })],
    [t.t('trading.preview.funding'), t.t('trading.preview.perInterval', { rate: t.pct(p.rate * 100, 4, { sign: true }), interval: p.intervalHours })],
    [t.t('trading.preview.aprNow'), apr(p.apr)],
    [t.t('trading.preview.apr7d'), apr(p.apr7d)],
    [t.t('trading.preview.basis'), t.pct(p.basisPct, 3, { sign: true })],
    [t.t('trading.preview.breakEven'), p.breakEvenDays === null ? t.t('trading.preview.na') : t.t('trading.preview.days', { days: t.num(p.breakEvenDays, 1) })],
    [t.t('trading.preview.next'), t.countdown(p.nextFundingTime)],
  ].map((row) => row.map(unescape));
}

/** t() output is HTML-escaped; pre() escapes its cells itself, so undo it to avoid &amp;amp; */
const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');

/** The preview without its expiry line and buttons (shown above "sending…" and refusals). */
export function previewText(t: Translator, p: Preview): string {
  const rows: TableRow[] =
    p.action === 'open'
      ? [
          [t.t('trading.preview.qty'), `${qty(t, p.qty)} ${p.baseAsset}`],
          [t.t('trading.preview.spotBuy'), t.usdt(p.spotNotional), `@ ${price(t, p.spotPrice)}`],
          // grossed up: the fee is taken from the coin, the net held is what hedges the short
          ...(p.spotGrossQty !== p.spotNetQty
            ? [[t.t('trading.preview.spotGross'), `${qty(t, p.spotGrossQty)} ${p.baseAsset}`, ''], [t.t('trading.preview.spotNet'), `${qty(t, p.spotNetQty)} ${p.baseAsset}`, '']]
            : []),
          [t.t('trading.preview.perpSell'), t.usdt(p.futuresNotional), `@ ${price(t, p.futuresPrice)}`],
        ]
      : [
          [t.t('trading.preview.perpBuy'), `${qty(t, p.futuresQty)} ${p.baseAsset}`, `@ ${price(t, p.futuresPrice)}`],
          ['', t.usdt(p.futuresNotional), ''],
          [t.t('trading.preview.spotSell'), `${qty(t, p.spotQty)} ${p.baseAsset}`, `@ ${price(t, p.spotPrice)}`],
          ['', t.usdt(p.spotNotional), ''],
          ...(dec(p.dustQty).gt(0) ? [[t.t('trading.preview.dust'), `${qty(t, p.dustQty)} ${p.baseAsset}`, ''] as string[]] : []),
        ];
  const title = t.t(p.action === 'open' ? 'trading.preview.openTitle' : 'trading.preview.closeTitle', { symbol: p.symbol, mode: modeOf(t, p.mode) });
  const order = p.action === 'open' ? t.t('trading.preview.order', { perpSide: 'SELL', spotSide: 'BUY' }) : t.t('trading.preview.orderClose');
  const parts = [title, pre(rows), pre(signalRows(t, p)), order];
  for (const w of p.warnings) parts.push(t.t(`trading.warning.${w}`));
  return parts.join('\n');
}

/** The preview and its keyboard: exactly two buttons, confirm first, cancel second. */
export function renderPreview(t: Translator, p: Preview, token: string, ttlSeconds: number): OutgoingMessage {
  return {
    text: `${previewText(t, p)}\n${t.t('trading.preview.expires', { seconds: ttlSeconds })}`,
    buttons: [[
      { text: t.t('trading.preview.confirm'), data: `${CB.confirm}${token}` },
      { text: t.t('trading.preview.cancel'), data: `${CB.cancel}${token}` },
    ]],
  };
}

export function renderChoose(t: Translator, symbols: string[]): OutgoingMessage {
  return {
    text: t.t('trading.preview.choose'),
    buttons: symbols.map((s) => [{ text: t.t('trading.button.close', { symbol: s }), data: `${CB.close}${s}` }]),
  };
}

function legRows(t: Translator, rows: Array<[string, LegFill | undefined]>): string {
  const table: TableRow[] = [];
  for (const [label, f] of rows) {
    if (!f || dec(f.executedQty).lte(0)) continue;
    table.push([label, qty(t, f.executedQty), `@ ${price(t, f.avgPrice)}`, t.usdt(f.feeUsdt)]);
  }
  return table.length ? pre(table) : '';
}

const assetOf = (symbol: string) => symbol.replace(/USDT$/, '');

/** What happened after the tap (or at recovery): filled legs with prices and fees, or the failure and what was undone. */
export function renderOutcome(t: Translator, outcome: Outcome, mode: string): string {
  const asset = assetOf(outcome.symbol);
  const symbol = outcome.symbol;
  switch (outcome.kind) {
    case 'opened': {
      const parts = [
        t.t('trading.result.opened', { symbol, mode: modeOf(t, mode) }),
        legRows(t, [[t.t('trading.preview.perpSell'), outcome.futures], [t.t('trading.preview.spotBuy'), outcome.spot]]),
        t.t('trading.result.held', { spot: qty(t, outcome.spotHeld), futures: qty(t, outcome.futuresHeld), asset }),
      ];
      if (outcome.excess) parts.push(t.t('trading.result.excess', { qty: qty(t, outcome.excess.executedQty), asset }));
      return parts.filter(Boolean).join('\n');
    }
    case 'unwound': {
      const fees = [outcome.futures, ...outcome.unwind].reduce((a, f) => a.plus(f.feeUsdt), dec(0));
      return [
        t.t('trading.result.unwound', { symbol, reasonHtml: reasonHtml(t, outcome.spotError), qty: qty(t, outcome.futures.executedQty), asset, fees: t.usdt(fees.toFixed()) }),
        legRows(t, [[t.t('trading.preview.perpSell'), outcome.futures], ...outcome.unwind.map((f): [string, LegFill] => [t.t('trading.preview.perpBuy'), f])]),
      ].filter(Boolean).join('\n');
    }
    case 'broken': {
      const manual = outcome.manual
        .map((m) => t.t('trading.result.manual', { market: marketOf(t, m.market), side: m.side, qty: m.qty, symbol: m.symbol }))
        .join('; ');
      const broken = t.t('trading.result.broken', {
        symbol,
        spotHtml: reasonHtml(t, outcome.spotError),
        unwindHtml: reasonHtml(t, outcome.unwindError),
        manualHtml: manual,
      });
      // what the buy-back tried, so the trader knows which orders Binance refused and why
      const tried = outcome.tried?.length ? `\n${t.t('trading.result.tried', { list: outcome.tried.map((x) => `• ${x}`).join('\n') })}` : '';
      return broken + tried;
    }
    case 'unknown':
      return t.t('trading.result.unknown', { symbol, market: marketOf(t, outcome.market), cid: outcome.clientOrderId, reasonHtml: reasonHtml(t, outcome.error) });
    case 'not_placed':
      // an open fails on its futures SELL, a close on its futures BUY; both leave nothing behind
      return t.t(outcome.action === 'close' ? 'trading.result.closeNotPlaced' : 'trading.result.openNotPlaced', { symbol, reasonHtml: reasonHtml(t, outcome.error) });
    case 'closed': {
      const parts = [
        t.t('trading.result.closed', { symbol, mode: modeOf(t, mode) }),
        legRows(t, [[t.t('trading.preview.perpBuy'), outcome.futures], [t.t('trading.preview.spotSell'), outcome.spot]]),
      ];
      if (dec(outcome.dustQty).gt(0)) parts.push(t.t('trading.result.dust', { qty: qty(t, outcome.dustQty), asset }));
      return parts.filter(Boolean).join('\n');
    }
    case 'partial':
      return [
        t.t('trading.result.partial', { symbol, futures: qty(t, outcome.futuresLeft), spot: qty(t, outcome.spotLeft), asset }),
        legRows(t, [[t.t('trading.preview.perpBuy'), outcome.futures], [t.t('trading.preview.spotSell'), outcome.spot]]),
      ].filter(Boolean).join('\n');
    case 'spot_failed':
      return [
        t.t('trading.result.spotFailed', { symbol, reasonHtml: reasonHtml(t, outcome.error), qty: qty(t, outcome.spotQty), asset }),
        legRows(t, [[t.t('trading.preview.perpBuy'), outcome.futures]]),
      ].filter(Boolean).join('\n');
  }
}

/** The preview message after the tap: the preview stays above, the result below, no buttons. */
export function renderConfirmResult(t: Translator, r: Exclude<ConfirmResult, { kind: 'expired' } | { kind: 'not_yours' } | { kind: 'stopping' }>): string {
  if (r.kind === 'refused') return `${previewText(t, r.preview)}\n\n${userErrorText(t, r.error)}`;
  return renderOutcome(t, r.outcome, r.preview.mode);
}

/** An outbox event, rendered when it is sent, in the recipient's language. */
export function renderEvent(t: Translator, event: TradeEvent): string {
  const text = renderOutcome(t, event.outcome, event.mode);
  const r = event.recovery;
  if (!r) return text;
  const state = (s: string) => t.t(`trading.recovery.state.${s}`);
  return [
    t.t(`trading.recovery.title.${r.trigger}`, { kind: t.t(`trading.recovery.kind.${r.kind}`), symbol: event.outcome.symbol }),
    t.t('trading.recovery.found', { futures: state(r.found.futures), spot: state(r.found.spot) }),
    text,
  ].join('\n');
}
