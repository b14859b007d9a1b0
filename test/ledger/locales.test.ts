import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCatalogs } from '../../src/telegram/i18n.js';

/** Every ledger text the code asks for exists in every language (dynamic keys expanded by hand). */
test('every ledger.* key used by the code exists in en and ru', () => {
  const files = [
    ...readdirSync('src/ledger').map((f) => join('src/ledger', f)),
    ...readdirSync('src/telegram/ledger').map((f) => join('src/telegram/ledger', f)),
  ].filter((f) => f.endsWith('.ts'));
  const used = new Set<string>();
  for (const f of files) for (const m of readFileSync(f, 'utf8').matchAll(/'(ledger\.[A-Za-z0-9_.]+)'/g)) used.add(m[1]!);
  for (const s of ['opening', 'open', 'closing', 'broken']) used.add(`ledger.status.state.${s}`);
  for (const p of ['7d', '30d', 'all']) used.add(`ledger.pnl.period.${p}`);
  for (const r of ['open', 'close', 'unwind']) used.add(`ledger.fills.role.${r}`);
  for (const m of ['spot', 'futures']) used.add(`ledger.fills.market.${m}`);
  assert.ok(used.size > 40);
  const catalogs = loadCatalogs();
  for (const lang of ['en', 'ru']) {
    const missing = [...used].filter((k) => !catalogs.get(lang)!.has(k));
    assert.deepEqual(missing, [], lang);
  }
});
