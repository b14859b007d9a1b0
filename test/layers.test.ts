import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * Import direction: only the Telegram layer renders and sends, so nothing below it imports it.
 * Domain code (trading, risk, ledger, jobs, market…) stores plain events; src/telegram renders
 * them. The composition root (main.ts), the process lifecycle (it drives the bot's polling) and
 * the command-line entry points (they print with the same translations) are the only exceptions.
 */

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');
const TELEGRAM = join(SRC, 'telegram');
const ROOTS = new Set([join(SRC, 'main.ts'), join(SRC, 'lifecycle.ts')]);
const ENTRY_POINTS = join(SRC, 'cli');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** every module specifier of a file: static imports and exports, and dynamic import() */
export function specifiers(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g)) out.push(m[1]!);
  for (const m of text.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]!);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) out.push(m[1]!);
  return out;
}

const inside = (dir: string, file: string) => file === dir || file.startsWith(dir + sep);

test('the specifier scan sees every form of import', () => {
  const text = "import type { A } from '../telegram/a.js';\nexport { b } from \"./telegram/b.js\";\nconst c = await import('../telegram/c.js');\nimport '../telegram/d.js';";
  assert.deepEqual(specifiers(text).sort(), ['../telegram/a.js', '../telegram/c.js', '../telegram/d.js', './telegram/b.js']);
});

test('nothing outside src/telegram imports src/telegram (the composition root and entry points aside)', () => {
  const offenders: string[] = [];
  const files = sources(SRC).filter((f) => !inside(TELEGRAM, f) && !ROOTS.has(f) && !inside(ENTRY_POINTS, f));
  assert.ok(files.length > 50, `scanned ${files.length} files`);
  for (const file of files) {
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      if (inside(TELEGRAM, resolve(dirname(file), spec))) offenders.push(`${relative(SRC, file)} → ${spec}`);
    }
  }
  assert.deepEqual(offenders, []);
});
