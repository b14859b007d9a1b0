import { escapeHtml } from '../notify.js';

/**
 * Message building blocks for Telegram HTML: phone-width `<pre>` tables and splitting of long
 * messages. A phone shows about 32–36 monospace characters per line; keep tables within that.
 */

export const TELEGRAM_LIMIT = 4096;

export type Align = 'l' | 'r';
/**
 * a table row: cells (aligned into columns, escaped by pre()), a plain-text line (escaped), or
 * `{ html }`, a line that is already HTML (e.g. from t()), inserted as is
 */
export type TableRow = string[] | string | { html: string };

export interface TableOptions {
  /** per-column alignment; default: first column left, others right */
  align?: Align[];
  /** spaces between columns (default 1) */
  gap?: number;
}

/** Aligned plain-text lines (not escaped). Width is measured in code points. */
export function tableLines(rows: TableRow[], opts: TableOptions = {}): string[] {
  const gap = ' '.repeat(opts.gap ?? 1);
  const widths: number[] = [];
  for (const row of rows) {
    if (!Array.isArray(row)) continue;
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, [...cell].length);
    });
  }
  return rows.map((row) => {
    if (!Array.isArray(row)) return typeof row === 'string' ? row : row.html;
    return row
      .map((cell, i) => {
        const align = opts.align?.[i] ?? (i === 0 ? 'l' : 'r');
        const pad = ' '.repeat((widths[i] ?? 0) - [...cell].length);
        return align === 'l' ? cell + pad : pad + cell;
      })
      .join(gap)
      .trimEnd();
  });
}

/** A `<pre>` block of aligned columns; cells and plain lines are raw text and escaped here. */
export function pre(rows: TableRow[], opts: TableOptions = {}): string {
  const lines = tableLines(rows, opts);
  return `<pre>${lines.map((line, i) => (typeof rows[i] === 'object' && !Array.isArray(rows[i]) ? line : escapeHtml(line))).join('\n')}</pre>`;
}

/** "+1.23" / "-1.23" / "0.00" with a real minus sign for negative numbers (plain, not locale-aware). */
export function signed(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return '—';
  const s = Math.abs(value).toFixed(digits);
  if (Number(s) === 0) return s;
  return value > 0 ? `+${s}` : `−${s}`;
}

/**
 * Splits HTML into chunks of at most `limit` characters on line boundaries. Tags open at a cut
 * (`<pre>`, `<b>`, `<a href>`…) are closed at the end of the chunk and reopened at the start of
 * the next, so each chunk is valid HTML on its own. A single line longer than the limit is cut
 * between tags/entities.
 */
export function splitMessage(text: string, limit = TELEGRAM_LIMIT): string[] {
  if (text.length <= limit) return [text];
  const chunks: string[] = [];
  let open: Array<{ name: string; tag: string }> = [];
  let current = '';
  let currentOpen: Array<{ name: string; tag: string }> = [];

  const closing = (stack: Array<{ name: string }>) => stack.map((o) => `</${o.name}>`).reverse().join('');
  const reopen = (stack: Array<{ tag: string }>) => stack.map((o) => o.tag).join('');
  const track = (piece: string) => {
    for (const m of piece.matchAll(/<(\/?)([a-zA-Z][\w-]*)[^>]*>/g)) {
      const name = m[2]!.toLowerCase();
      if (m[1]) {
        const idx = open.map((o) => o.name).lastIndexOf(name);
        if (idx >= 0) open = open.slice(0, idx);
      } else {
        open.push({ name, tag: m[0] });
      }
    }
  };
  const flush = () => {
    if (current === reopen(currentOpen) || current === '') return;
    chunks.push(current.replace(/\n+$/, '') + closing(open));
    currentOpen = [...open];
    current = reopen(open);
  };

  // pieces: lines, with over-long lines cut into safe parts
  const pieces: string[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const withNl = i < lines.length - 1 ? `${line}\n` : line;
    const room = Math.max(64, limit - 200);
    if (withNl.length <= room) {
      pieces.push(withNl);
      return;
    }
    let rest = withNl;
    while (rest.length > room) {
      let cut = room;
      // never cut inside a tag or an entity
      const lt = rest.lastIndexOf('<', cut);
      const gt = rest.lastIndexOf('>', cut);
      if (lt > gt) cut = lt;
      const amp = rest.lastIndexOf('&', cut);
      const semi = rest.lastIndexOf(';', cut);
      if (amp > semi && cut - amp < 10) cut = amp;
      const space = rest.lastIndexOf(' ', cut);
      if (space > room / 2) cut = space + 1;
      if (cut <= 0) cut = room;
      pieces.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    pieces.push(rest);
  });

  for (const piece of pieces) {
    const reserve = closing(open).length + 32;
    if (current.length + piece.length + reserve > limit) flush();
    current += piece;
    track(piece);
  }
  if (current !== '' && current !== reopen(currentOpen)) chunks.push(current);
  return chunks;
}
