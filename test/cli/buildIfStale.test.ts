import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm start` compiles only when the sources changed. The real script runs in a scratch project
 * whose `tsc` is a stand-in that counts its runs and writes dist/main.js, so the test sees exactly
 * when a build happened.
 */

const SCRIPT = fileURLToPath(new URL('../../scripts/build-if-stale.mjs', import.meta.url));

describe('npm start: build only when stale', () => {
  let dir: string;
  const builds = () => readFileSync(join(dir, 'builds.log'), 'utf8').split('\n').filter(Boolean).length;
  const run = () => spawnSync(process.execPath, [join(dir, 'scripts', 'build-if-stale.mjs')], { cwd: dir, encoding: 'utf8' });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'carrybot-build-'));
    for (const d of ['scripts', 'src', 'node_modules/.bin']) mkdirSync(join(dir, d), { recursive: true });
    copyFileSync(SCRIPT, join(dir, 'scripts', 'build-if-stale.mjs'));
    writeFileSync(join(dir, 'src', 'main.ts'), 'export {};\n');
    for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json']) writeFileSync(join(dir, f), '{}\n');
    writeFileSync(join(dir, 'builds.log'), '');
    const tsc = join(dir, 'node_modules', '.bin', 'tsc');
    writeFileSync(tsc, '#!/bin/sh\necho build >> builds.log\nmkdir -p dist && echo "" > dist/main.js\n');
    chmodSync(tsc, 0o755);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('builds the first time, not again while nothing changed, and again after an edit', () => {
    assert.equal(run().status, 0);
    assert.equal(builds(), 1);
    assert.equal(run().status, 0);
    assert.equal(builds(), 1, 'an unchanged tree is not rebuilt');
    const later = new Date(Date.now() + 5000);
    writeFileSync(join(dir, 'src', 'main.ts'), 'export const x = 1;\n');
    utimesSync(join(dir, 'src', 'main.ts'), later, later);
    assert.equal(run().status, 0);
    assert.equal(builds(), 2, 'an edited source is rebuilt');
    writeFileSync(join(dir, 'src', 'new.ts'), 'export {};\n');
    assert.equal(run().status, 0);
    assert.equal(builds(), 3, 'a new source file is rebuilt');
    rmSync(join(dir, 'dist', 'main.js'));
    assert.equal(run().status, 0);
    assert.equal(builds(), 4, 'a missing output is rebuilt');
  });

  it('a failed build exits non-zero and is not stamped as built', () => {
    const tsc = join(dir, 'node_modules', '.bin', 'tsc');
    writeFileSync(tsc, '#!/bin/sh\necho build >> builds.log\nexit 2\n');
    writeFileSync(join(dir, 'src', 'broken.ts'), 'export {};\n');
    const before = builds();
    const r = run();
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /build failed/);
    assert.notEqual(run().status, 0, 'still rebuilt (and still failing) on the next start');
    assert.equal(builds(), before + 2);
  });
});
