import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pre, signed, splitMessage, tableLines } from '../../src/telegram/render.js';

describe('pre tables', () => {
  it('aligns columns (first left, others right) and escapes cells', () => {
    assert.deepEqual(tableLines([['Sym', 'APR'], ['BTCUSDT', '9.1'], ['A<B', '123.4']]), ['Sym       APR', 'BTCUSDT   9.1', 'A<B     123.4']);
    assert.equal(pre([['A<B', '1'], 'note & more', { html: '<i>x</i>' }]), '<pre>A&lt;B 1\nnote &amp; more\n<i>x</i></pre>');
  });
  it('signed numbers', () => {
    assert.equal(signed(1.234), '+1.23');
    assert.equal(signed(-1.235, 1), '−1.2');
    assert.equal(signed(0.001), '0.00');
    assert.equal(signed(Number.NaN), '—');
  });
});

describe('splitMessage', () => {
  it('leaves short text alone', () => {
    assert.deepEqual(splitMessage('hi <b>there</b>'), ['hi <b>there</b>']);
  });

  it('splits on line boundaries within the limit and closes/reopens <pre> and other tags', () => {
    const lines = Array.from({ length: 60 }, (_, i) => `line ${String(i).padStart(2, '0')} ${'y'.repeat(30)}`);
    const text = `<b>Title</b>\n<pre>${lines.slice(0, 40).join('\n')}</pre>\n<i>${lines.slice(40).join('\n')}</i>`;
    const parts = splitMessage(text, 600);
    assert.ok(parts.length > 3);
    for (const p of parts) {
      assert.ok(p.length <= 600, `part of ${p.length}`);
      // balanced tags in every part
      for (const tag of ['pre', 'i', 'b']) {
        assert.equal((p.match(new RegExp(`<${tag}>`, 'g')) ?? []).length, (p.match(new RegExp(`</${tag}>`, 'g')) ?? []).length, `${tag} balanced in: ${p}`);
      }
    }
    // no line lost or broken
    const plain = parts.join('\n').replace(/<\/?(pre|i|b)>/g, '');
    for (const l of lines) assert.ok(plain.split('\n').includes(l), `line kept: ${l}`);
  });

  it('cuts an over-long line without breaking an entity or a tag', () => {
    const text = `${'a&amp;b '.repeat(2000)}`;
    const parts = splitMessage(text, 1000);
    for (const p of parts) {
      assert.ok(p.length <= 1000);
      assert.ok(!/&[a-z]*$/.test(p), 'no dangling entity');
    }
    assert.equal(parts.join(''), text);
  });
});
