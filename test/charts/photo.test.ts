import assert from 'node:assert/strict';
import { it } from 'node:test';
import pino from 'pino';
import { CAPTION_LIMIT, replyWithChart } from '../../src/telegram/photo.js';
import type { BotContext } from '../../src/telegram/context.js';

/** the two calls replyWithChart makes, recorded */
function fakeCtx() {
  const sent: Array<{ kind: 'photo' | 'text'; text: string }> = [];
  const ctx = {
    log: pino({ level: 'silent' }),
    replyWithPhoto: async (_photo: unknown, extra: { caption: string }) => void sent.push({ kind: 'photo', text: extra.caption }),
    reply: async (text: string) => void sent.push({ kind: 'text', text }),
  } as unknown as BotContext;
  return { ctx, sent };
}

const services = { charts: async () => ({ png: Buffer.from('png'), width: 1, height: 1 }) };
const spec = () => ({ title: '', locale: 'en', x: { kind: 'time' as const }, axes: [], series: [] });

it('a caption over 1024 characters: the photo carries the first part, the rest follows as a message', async () => {
  const lines = Array.from({ length: 60 }, (_, i) => `line ${String(i).padStart(2, '0')} ${'x'.repeat(40)}`);
  const text = `<b>Title</b>\n<pre>${lines.join('\n')}</pre>`;
  const { ctx, sent } = fakeCtx();
  await replyWithChart(ctx, services, text, spec);
  assert.deepEqual(sent.map((s) => s.kind), ['photo', 'text']);
  assert.ok(sent[0]!.text.length <= CAPTION_LIMIT);
  const all = sent.map((s) => s.text.replace(/<\/?(pre|b)>/g, '')).join('\n');
  for (const l of lines) assert.ok(all.includes(l), l);
});

it('a short text rides whole on the photo', async () => {
  const { ctx, sent } = fakeCtx();
  await replyWithChart(ctx, services, '<b>short</b>', spec);
  assert.deepEqual(sent, [{ kind: 'photo', text: '<b>short</b>' }]);
});

it('a spec builder that throws is a rendering failure too: the text goes alone', async () => {
  const { ctx, sent } = fakeCtx();
  await replyWithChart(ctx, services, 'text', () => {
    throw new Error('bad data');
  });
  assert.deepEqual(sent, [{ kind: 'text', text: 'text' }]);
});
