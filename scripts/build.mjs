// Builds dist/esm and dist/cjs from the same sources with tsc, and marks each
// folder's module format so Node and TypeScript read them right.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';

const tsc = (args) => execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', ...args], { stdio: 'inherit' });

rmSync('dist', { recursive: true, force: true });
tsc(['--outDir', 'dist/esm', '--module', 'ES2022', '--moduleResolution', 'Bundler']);
tsc(['--outDir', 'dist/cjs', '--module', 'CommonJS', '--moduleResolution', 'Node10']);
for (const [dir, type] of [['dist/esm', 'module'], ['dist/cjs', 'commonjs']]) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/package.json`, `${JSON.stringify({ type })}\n`);
}
