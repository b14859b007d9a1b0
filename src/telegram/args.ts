import type { Context } from 'telegraf';

/** Words after the command: "/funding  btcusdt " → ["btcusdt"]. */
export function commandArgs(ctx: Context): string[] {
  const text = ctx.message && 'text' in ctx.message ? ctx.message.text : '';
  return text.replace(/^\/\S+/, '').trim().split(/\s+/).filter(Boolean);
}

/** "btc" / "BTCUSDT" / "btc/usdt" → "BTCUSDT"; undefined when it cannot be a USDT symbol. */
export function parseSymbol(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const s = raw.trim().toUpperCase().replace(/[/_-]/g, '');
  if (!/^[A-Z0-9]{2,20}$/.test(s)) return undefined;
  const sym = s.endsWith('USDT') && s.length > 4 ? s : `${s}USDT`;
  return /^[A-Z0-9]{2,20}USDT$/.test(sym) ? sym : undefined;
}
