// Prints, for every entry package.json `exports` names, the sorted names it exports from the built dist/:
// `values` (what `require` and `import` see at run time) and `types` (every name the entry's .d.ts exports,
// values included). Run after `npm run build`; compare the output of two trees to prove a move changed no entry:
//   node scripts/entry-exports.mjs > before.json   (on the old tree)
//   node scripts/entry-exports.mjs | diff before.json -   (on the new tree)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import ts from 'typescript';

const require = createRequire(import.meta.url);
const { exports: exported } = JSON.parse(readFileSync('package.json', 'utf8'));

/** The names the module at `file` exports, as the type checker sees them. */
function typeNames(file) {
  const program = ts.createProgram([file], { strict: true, skipLibCheck: true, noEmit: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const symbol = source && checker.getSymbolAtLocation(source);
  if (symbol === undefined) throw new Error(`${file}: not a module`);
  return checker.getExportsOfModule(symbol).map((s) => s.getName());
}

const report = {};
for (const [subpath, target] of Object.entries(exported)) {
  if (typeof target === 'string') continue; // ./package.json
  for (const [condition, { types, default: main }] of Object.entries(target)) {
    const values = Object.keys(condition === 'import' ? await import(resolve(main)) : require(resolve(main))).filter(
      (name) => name !== '__esModule' && name !== 'default',
    );
    report[`${subpath} (${condition})`] = { values: values.sort(), types: typeNames(resolve(types)).sort() };
  }
}
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
