import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

/** Every name an entry file exports: `export function|class|const|type|interface X`, `export { X, type Y } from`. */
function exportedNames(source: string): string[] {
  const names = new Set<string>();
  for (const m of source.matchAll(/^export (?:async )?(?:function|class|const|type|interface) (\w+)/gm)) names.add(m[1]!);
  for (const m of source.matchAll(/^export (?:type )?\{([^}]*)\}/gm)) {
    for (const part of m[1]!.split(',')) {
      const name = part
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)
        .pop()!
        .trim();
      if (name !== '') names.add(name);
    }
  }
  return [...names];
}

/** The API reference page: its export tables list every public name. */
const reference = read('docs/reference/api.md');

/**
 * Every public entry: the source file behind each subpath package.json `exports` names
 * (`./dist/cjs/adapters/koa/index.js` is `adapters/koa/index.ts`).
 */
const { exports: exported } = JSON.parse(read('package.json')) as { exports: Record<string, string | { require: { default: string } }> };
const entries = Object.values(exported)
  .filter((target) => typeof target !== 'string')
  .map((target) => target.require.default.replace(/^\.\/dist\/cjs\/(.+)\.js$/, '$1.ts'));

it('finds an entry for every subpath export', () => {
  expect(entries).toEqual(
    expect.arrayContaining(['src/index.ts', 'src/dpop/index.ts', 'adapters/express/index.ts', 'adapters/web/index.ts']),
  );
  expect(entries.every((entry) => existsSync(join(root, entry)))).toBe(true);
});

it.each(entries)('docs/reference/api.md lists every export of %s', (entry) => {
  const names = exportedNames(read(entry));
  expect(names.length).toBeGreaterThan(3);
  expect(names.filter((name) => !new RegExp(`\`${name}[\`(<]`).test(reference))).toEqual([]);
});
