import { existsSync, readdirSync, readFileSync } from 'node:fs';
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

/** Every public entry: the main one and each adapter (each is a subpath export). */
const entries = [
  'src/index.ts',
  ...readdirSync(join(root, 'adapters'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `adapters/${f}`),
  // An adapter in a folder of its own (adapters/nest/) has its entry in index.ts.
  ...readdirSync(join(root, 'adapters'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, 'adapters', d.name, 'index.ts')))
    .map((d) => `adapters/${d.name}/index.ts`),
];

it.each(entries)('docs/reference/api.md lists every export of %s', (entry) => {
  const names = exportedNames(read(entry));
  expect(names.length).toBeGreaterThan(3);
  expect(names.filter((name) => !new RegExp(`\`${name}[\`(<]`).test(reference))).toEqual([]);
});
