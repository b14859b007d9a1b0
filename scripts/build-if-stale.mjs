#!/usr/bin/env node
// `npm start` runs this before `node dist/main.js`: it compiles only when the sources changed since
// the last build. A full `tsc` costs ~2 s and ~330 MiB at every start; this check costs a directory
// walk. The stamp is a hash of every input's path, size and mtime, so an edit, a `git checkout` or a
// new lockfile triggers a rebuild and nothing else does.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const stampFile = join(root, 'dist', '.build-stamp');
const inputs = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

function* walk(path) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return;
  if (!st.isDirectory()) return yield [path, st];
  for (const name of readdirSync(path).sort()) yield* walk(join(path, name));
}

function fingerprint() {
  const hash = createHash('sha256');
  for (const input of inputs) {
    for (const [path, st] of walk(join(root, input))) hash.update(`${relative(root, path)}\0${st.size}\0${st.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

const wanted = fingerprint();
const built = existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim() : '';
if (built === wanted && existsSync(join(root, 'dist', 'main.js'))) process.exit(0);

const tsc = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'tsc.cmd' : 'tsc');
const result = spawnSync(tsc, ['-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  process.stderr.write(`carrybot: the build failed (${result.error?.message ?? `tsc exited ${result.status}`})\n`);
  process.exit(1);
}
writeFileSync(stampFile, `${wanted}\n`);
