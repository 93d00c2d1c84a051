// Packs jwt-once as a clean clone would and installs the tarball as a user
// would, for the packaging tests.
import { execFileSync, type ExecFileSyncOptions } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');
export const BIN = join(ROOT, 'node_modules/.bin');

/** Runs a program; a failure throws with its whole output. */
export function run(file: string, args: string[], options: ExecFileSyncOptions = {}): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: 'pipe', timeout: 120_000, ...options }) as string;
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`${file} ${args.join(' ')} failed:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: err });
  }
}

type ExportTarget = string | { [condition: string]: ExportTarget };

/**
 * Every module subpath package.json exports (`jwt-once`, `jwt-once/express`,
 * ...), read from its `exports`, so a new entry is checked without editing the tests.
 */
export function exportedSubpaths(packageJson = join(ROOT, 'package.json')): string[] {
  const { name, exports } = JSON.parse(readFileSync(packageJson, 'utf8')) as { name: string; exports: Record<string, ExportTarget> };
  return Object.entries(exports)
    .filter(([, target]) => !(typeof target === 'string' && target.endsWith('.json')))
    .map(([key]) => (key === '.' ? name : `${name}/${key.slice(2)}`));
}

/**
 * Copies what a clone would hold (tracked files, plus new ones not ignored,
 * as they are in the worktree) into `dir`: no dist. node_modules is a link to
 * this repository's, so the build runs from the clean tree without an install.
 */
export function cleanTree(dir: string): void {
  const files = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT }).split('\0');
  for (const file of files) {
    if (file === '' || !existsSync(join(ROOT, file))) continue; // deleted in the worktree
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(dir, file));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
}

/** `npm pack` in `tree` (its prepack script builds); returns the tarball's path. */
export function pack(tree: string, destination: string): string {
  run('npm', ['pack', '--pack-destination', destination], { cwd: tree, timeout: 180_000 });
  const tarball = readdirSync(destination).find((f) => f.endsWith('.tgz'));
  if (tarball === undefined) throw new Error(`npm pack left no tarball in ${destination}`);
  return join(destination, tarball);
}

/**
 * The frameworks an app using an adapter brings itself: every peer dependency
 * except the optional store packages (`@keyv/*`), with its `@types/*` package when there is one.
 */
export function frameworkPeers(): string[] {
  const { peerDependencies = {} } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    peerDependencies?: Record<string, string>;
  };
  const frameworks = Object.keys(peerDependencies).filter((name) => !name.startsWith('@keyv/'));
  const types = frameworks
    .map((name) => `@types/${name.replace(/^@([^/]+)\//, '$1__')}`)
    .filter((name) => existsSync(join(ROOT, 'node_modules', name)));
  return [...frameworks, ...types];
}

/** Links packages from this repository's node_modules into `project` (frameworks, TypeScript, types). */
export function linkFromRoot(project: string, names: string[]): void {
  for (const name of names) {
    const link = join(project, 'node_modules', name);
    if (existsSync(link)) continue;
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', name), link, 'dir');
  }
}

/**
 * A scratch project with the tarball installed as a user would (`npm install`,
 * cache first: only the declared dependencies come along, so no optional peer
 * is there). Without a registry, unpacks it and links only its declared
 * dependencies, so an undeclared dependency still fails. Returns how it was installed.
 */
export function installTarball(project: string, tarball: string): 'npm' | 'unpacked' {
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'scratch', private: true, version: '0.0.0' }));
  try {
    run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock'], {
      cwd: project,
    });
    return 'npm';
  } catch {
    // offline: fall through
  }
  const target = join(project, 'node_modules/jwt-once');
  mkdirSync(target, { recursive: true });
  run('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
  const { dependencies = {}, bin = {} } = JSON.parse(readFileSync(join(target, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    bin?: Record<string, string>;
  };
  linkFromRoot(project, Object.keys(dependencies));
  // As npm links a package's commands: node_modules/.bin/<name>, executable.
  for (const [name, file] of Object.entries(bin)) {
    mkdirSync(join(project, 'node_modules/.bin'), { recursive: true });
    chmodSync(join(target, file), 0o755);
    symlinkSync(join('..', 'jwt-once', file), join(project, 'node_modules/.bin', name));
  }
  return 'unpacked';
}

/** The packages a file imports (not `node:` built-ins, not relative paths), as `npm install` names them. */
export function importedPackages(source: string): string[] {
  const names = [...source.matchAll(/^import [^;]*? from '([^']+)';/gm)]
    .map((m) => m[1]!)
    .filter((s) => !s.startsWith('node:') && !s.startsWith('.'));
  return [
    ...new Set(
      names.map((s) =>
        s
          .split('/')
          .slice(0, s.startsWith('@') ? 2 : 1)
          .join('/'),
      ),
    ),
  ];
}
