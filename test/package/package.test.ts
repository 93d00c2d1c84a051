// Packs a clean copy of the repository (no dist: its prepack script must build),
// installs the tarball into a scratch project and uses every subpath listed in
// package.json `exports` from it: with `import` and `require` in one process
// (one state for both), from TypeScript (nodenext), and through publint and
// @arethetypeswrong/cli.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, cleanTree, exportedSubpaths, installTarball, linkFromRoot, pack, run } from './packed.js';

const SUBPATHS = exportedSubpaths();
const ADAPTERS = SUBPATHS.filter((name) => name.includes('/'));

/** A TypeScript file that imports every subpath and uses the core types; `@ts-expect-error` proves they are not `any`. */
function consumerSource(): string {
  return [
    ...SUBPATHS.map((name, i) => `import * as m${i} from '${name}';`),
    "import { claimToken, JwtOnceError, type Claim, type ClaimOptions, type JwtPayload } from 'jwt-once';",
    "const options: ClaimOptions = { secret: 'packed-package-secret-0123456789abcdef', algorithms: ['HS256'] };",
    '// @ts-expect-error `secret` is required',
    "const missing: ClaimOptions = { algorithms: ['HS256'] };",
    'export async function subjectOf(token: string): Promise<string | undefined> {',
    '  try {',
    '    const claim: Claim = await claimToken(token, options);',
    '    const payload: JwtPayload = claim.payload;',
    '    return payload.sub;',
    '  } catch (err) {',
    '    if (err instanceof JwtOnceError) return err.code;',
    '    throw err;',
    '  }',
    '}',
    `export const modules = [missing, ${SUBPATHS.map((_, i) => `m${i}`).join(', ')}];`,
    ...ADAPTERS.map((name, i) => `export const adapter${i}: Function = m${SUBPATHS.indexOf(name)}.jwtOnce;`),
    '',
  ].join('\n');
}

describe('the package packed from a clean clone', () => {
  jest.setTimeout(300_000);
  let dir: string;
  let tree: string;
  let project: string;
  let tarball: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'jwt-once-pack-'));
    tree = join(dir, 'clone');
    mkdirSync(tree);
    cleanTree(tree);
    expect(existsSync(join(tree, 'dist'))).toBe(false);
    tarball = pack(tree, dir);
    project = join(dir, 'scratch');
    console.log(`jwt-once tarball installed by: ${installTarball(project, tarball)}`);
    // What an app brings itself: its frameworks, TypeScript and Node's types.
    linkFromRoot(project, ['express', 'koa', 'hono', 'typescript', '@types/node', '@types/express', '@types/koa']);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the built code of every export, and its types import nothing from jsonwebtoken', () => {
    const files = run('tar', ['-tzf', tarball]).split('\n').map((f) => f.replace(/^package\//, ''));
    const { exports } = JSON.parse(readFileSync(join(tree, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    const leaves = (target: unknown): string[] => (typeof target === 'string' ? [target] : Object.values(target as object).flatMap(leaves));
    const targets = leaves(exports).map((t) => t.slice(2));
    expect(targets.length).toBeGreaterThanOrEqual(SUBPATHS.length * 4);
    for (const target of targets) expect(files).toContain(target);
    const declarations = files.filter((f) => f.endsWith('.d.ts'));
    expect(declarations.length).toBeGreaterThan(SUBPATHS.length * 2);
    const installed = join(project, 'node_modules/jwt-once');
    for (const file of declarations) expect(readFileSync(join(installed, file), 'utf8')).not.toMatch(/from 'jsonwebtoken'|"jsonwebtoken"/);
  });

  it('loads every subpath with import and require as one implementation: one store, one set of error classes', () => {
    copyFileSync(join(__dirname, 'fixtures/one-state.mjs'), join(project, 'one-state.mjs'));
    const results = JSON.parse(run(process.execPath, ['one-state.mjs', JSON.stringify(SUBPATHS)], { cwd: project })) as {
      subpaths: Record<string, { esm: string[]; cjs: string[]; different: string[] }>;
      core: Record<string, unknown>;
      adapters: Record<string, number>;
      replayOutcome: string;
    };
    expect(Object.keys(results.subpaths)).toEqual(SUBPATHS);
    expect(results.subpaths['jwt-once']!.esm).toEqual(expect.arrayContaining(['claimToken', 'createClaimer', 'claimVerified', 'JwtOnceError', 'MemoryStore', 'getDefaultStore', 'openStore']));
    for (const name of SUBPATHS) {
      const { esm, cjs, different } = results.subpaths[name]!;
      expect(esm).toEqual(cjs); // the same names...
      expect(different).toEqual([]); // ...bound to the same objects
      if (name !== 'jwt-once') expect(esm).toEqual(expect.arrayContaining(['jwtOnce', 'JwtOnceError']));
    }
    expect(results.core).toEqual({
      importThenRequire: 'ERR_JWT_ONCE_REUSED',
      requireThenImport: 'ERR_JWT_ONCE_REUSED',
      instanceOf: [true, true, true, true],
      defaultStore: true,
      urlStore: true,
    });
    expect(results.adapters).toEqual({ honoImport: 200, expressRequireReplay: 401, koaRequire: 200, honoImportReplay: 401, expressImportReplay: 401 });
    expect(results.replayOutcome).toBe('ERR_JWT_ONCE_REUSED');
  });

  it('type-checks in a strict TypeScript consumer (nodenext, ESM and CommonJS files, no skipLibCheck)', () => {
    writeFileSync(join(project, 'consumer.mts'), consumerSource());
    writeFileSync(join(project, 'consumer.cts'), consumerSource());
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] },
        files: ['consumer.mts', 'consumer.cts'],
      }),
    );
    let out = '';
    try {
      run(process.execPath, [join(project, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: project });
    } catch (err) {
      out = (err as Error).message;
    }
    // Errors in a framework's own types (e.g. @types/koa against a newer dependency) are not ours to fix.
    const ours = out.split('\n').filter((line) => /^(consumer\.|node_modules\/jwt-once\/)/.test(line));
    expect(ours).toEqual([]);
  });

  it('passes publint (strict)', () => {
    const out = run(join(BIN, 'publint'), ['--strict'], { cwd: tree });
    expect(out).not.toMatch(/Errors:|Warnings:|Suggestions:/);
  });

  it('passes @arethetypeswrong/cli for node10, node16 (CJS and ESM) and bundlers, on every subpath', () => {
    const out = run(join(BIN, 'attw'), [tarball, '--format', 'table-flipped'], { cwd: tree });
    expect(out).toMatch(/No problems found/);
    for (const name of SUBPATHS) expect(out).toContain(`"${name}"`);
  });
});
