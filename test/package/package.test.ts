// Builds and packs the package, installs the tarball into a scratch project
// and imports every subpath from it with `import` and with `require`; then
// runs publint and @arethetypeswrong/cli on what was packed.
import { execFileSync, type ExecFileSyncOptions } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'node_modules/.bin');
const SUBPATHS = ['jwt-once', 'jwt-once/express', 'jwt-once/koa', 'jwt-once/hono'];

function run(file: string, args: string[], options: ExecFileSyncOptions = {}): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: 'pipe', timeout: 120_000, ...options }) as string;
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`${file} ${args.join(' ')} failed:\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

/**
 * Installs the tarball as a user would (`npm install`, cache first). Without a
 * registry, unpacks it and links only its declared dependencies from this
 * repository, so an undeclared dependency still fails the imports.
 */
function installTarball(project: string, tarball: string): void {
  try {
    run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: project });
    return;
  } catch {
    // offline: fall through
  }
  const target = join(project, 'node_modules/jwt-once');
  mkdirSync(target, { recursive: true });
  run('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
  const { dependencies = {} } = JSON.parse(readFileSync(join(target, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  for (const name of Object.keys(dependencies)) {
    const link = join(project, 'node_modules', name);
    mkdirSync(resolve(link, '..'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', name), link, 'dir');
  }
}

// The same checks for each module system; only how modules are loaded differs.
const PRELUDE = {
  mjs: "import jwt from 'jsonwebtoken';\nconst load = (name) => import(name);\n",
  cjs: "const jwt = require('jsonwebtoken');\nconst load = async (name) => require(name);\n",
};
const CHECKS = `
const secret = 'packed-package-secret-0123456789abcdef';
async function main() {
  const results = {};
  for (const name of ${JSON.stringify(SUBPATHS)}) results[name] = Object.keys(await load(name)).sort();
  const core = await load('jwt-once');
  const options = { secret, algorithms: ['HS256'] };
  const token = jwt.sign({ sub: 'packed' }, secret, { algorithm: 'HS256', expiresIn: 60 });
  const claim = await core.claimToken(token, options);
  const replay = await core.claimToken(token, options).then(() => 'passed', (err) => err.code);
  for (const name of ${JSON.stringify(SUBPATHS.slice(1))}) {
    results[name + ' middleware'] = typeof (await load(name)).jwtOnce(options);
  }
  results.claim = { sub: claim.payload.sub, replay, reusedIsJwtOnceError: new core.ReusedTokenError() instanceof core.JwtOnceError };
  console.log(JSON.stringify(results));
}
main().catch((err) => { console.error(err); process.exit(1); });
`;

describe('the packed package', () => {
  jest.setTimeout(180_000);
  let dir: string;
  let project: string;
  let tarball: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'jwt-once-pack-'));
    run('npm', ['run', 'build'], { cwd: ROOT });
    run('npm', ['pack', '--pack-destination', dir], { cwd: ROOT });
    tarball = join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz'))!);
    project = join(dir, 'scratch');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'scratch', private: true, version: '0.0.0' }));
    installTarball(project, tarball);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['import (ESM)', 'mjs'],
    ['require (CJS)', 'cjs'],
  ] as const)('loads every subpath with %s, and claimToken works', (_kind, ext) => {
    const file = `check.${ext}`;
    writeFileSync(join(project, file), PRELUDE[ext] + CHECKS);
    const results = JSON.parse(run(process.execPath, [file], { cwd: project })) as Record<string, unknown>;
    expect(results['jwt-once']).toEqual(expect.arrayContaining(['claimToken', 'createClaimer', 'claimVerified', 'createVerifiedClaimer', 'JwtOnceError', 'MemoryStore', 'errorResponse', 'createRequestGuard']));
    for (const name of SUBPATHS.slice(1)) {
      expect(results[name]).toEqual(expect.arrayContaining(['jwtOnce', 'JwtOnceError']));
      expect(results[`${name} middleware`]).toBe('function');
    }
    expect(results.claim).toEqual({ sub: 'packed', replay: 'ERR_JWT_ONCE_REUSED', reusedIsJwtOnceError: true });
  });

  it('passes publint (strict)', () => {
    const out = run(join(BIN, 'publint'), ['--strict'], { cwd: ROOT });
    expect(out).not.toMatch(/Errors:|Warnings:/);
  });

  it('passes @arethetypeswrong/cli for node10, node16 (CJS and ESM) and bundlers', () => {
    const out = run(join(BIN, 'attw'), [tarball, '--format', 'table-flipped'], { cwd: ROOT });
    expect(out).toMatch(/No problems found/);
  });
});
