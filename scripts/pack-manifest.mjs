// The package.json that ships: without `scripts`. Run by `prepack` (strip) and `postpack` (restore).
//
// Every script is for this repository (build, tests, lint, benchmarks) and needs
// its devDependencies; none is for the consumer. `prepare` must stay in the
// repository (a git install builds dist with it: npm runs only `prepare` there),
// but in the tarball npm 11 lists it on every install, as an install script
// "not yet covered by allowScripts". So `npm pack` and `npm publish` pack a
// package.json without `scripts`: `strip` keeps the original in .tmp/ and
// writes the stripped one, `restore` puts the original back once the tarball is
// written. A pack that failed in between leaves the stripped file: `strip` (the
// next pack) or `node scripts/pack-manifest.mjs restore` puts the original back.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

const MANIFEST = 'package.json';
const SAVED = '.tmp/package.json.before-pack';

function restore() {
  if (!existsSync(SAVED)) return false;
  renameSync(SAVED, MANIFEST);
  return true;
}

const command = process.argv[2];
if (command === 'strip') {
  if (restore()) console.error(`pack-manifest: ${MANIFEST} restored from ${SAVED}, left by a pack that did not finish`);
  const text = readFileSync(MANIFEST, 'utf8');
  const { scripts, ...packed } = JSON.parse(text);
  if (scripts === undefined) {
    throw new Error(`${MANIFEST} has no scripts (stripped, and ${SAVED} is gone?): take package.json from git`);
  }
  mkdirSync('.tmp', { recursive: true });
  writeFileSync(SAVED, text);
  writeFileSync(MANIFEST, `${JSON.stringify(packed, null, 2)}\n`);
} else if (command === 'restore') {
  // Nothing saved: fine when package.json has its scripts (a concurrent pack of this tree restored it already).
  if (!restore() && JSON.parse(readFileSync(MANIFEST, 'utf8')).scripts === undefined) {
    throw new Error(`${MANIFEST} has no scripts and ${SAVED} is gone: take package.json from git`);
  }
} else {
  throw new Error('usage: node scripts/pack-manifest.mjs strip|restore');
}
