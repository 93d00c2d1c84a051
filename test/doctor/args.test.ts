// The command line of `jwt-once` (run as a child process): usage and exit
// status 2 on bad arguments, --help, unknown schemes; and the masking of
// passwords in store URLs.
import { maskUrl, scrub, secretsOf } from '../../src/doctor/redact.js';
import { doctorJson, expectReportShape, runDoctor } from './run-doctor.js';

describe('jwt-once command line', () => {
  jest.setTimeout(60_000);

  it.each([
    [[], 'no command given'],
    [['doktor', 'redis://127.0.0.1'], 'unknown command "doktor"'],
    [['doctor'], 'no store URL given (and JWT_ONCE_STORE is not set)'],
    [['doctor', 'redis://a', 'redis://b'], 'give one store URL'],
    [['doctor', 'redis://a', '--timeout', 'soon'], '--timeout needs a whole number of ms'],
    [['doctor', 'redis://a', '--jsonn'], 'unknown option "--jsonn"'],
    [['doctor', 'mongodb://:pw-secret@db/app'], 'unknown store URL scheme mongodb://:***@db/app'],
    [['redis://:pw-secret@db:6379'], 'unknown command "redis://:***@db:6379"'],
  ])('%j: exit 2, the reason and the usage on stderr, nothing on stdout', async (args, reason) => {
    const run = await runDoctor(args);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`jwt-once: ${reason}`);
    expect(run.stderr).toContain('Usage: jwt-once doctor [<store-url>]');
    expect(run.stderr).not.toContain('pw-secret');
  });

  it('--help prints the usage and exits 0', async () => {
    const run = await runDoctor(['doctor', '--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: jwt-once doctor/);
    expect(run.stdout).toContain('Exit status: 0 safe, 1 a check failed, 2 cannot connect or bad arguments.');
  });

  it('memory:// warns that it protects one process (exit 0)', async () => {
    const { status, report } = await doctorJson('memory://');
    expectReportShape(report);
    expect(status).toBe(0);
    expect(report).toMatchObject({ kind: 'memory', verdict: 'safe', findings: [{ check: 'scope', status: 'warn' }] });
  });

  it('masks the password and secret parameters of a URL, and scrubs them from driver messages', () => {
    expect(maskUrl('redis://app:s3cret@redis:6379/0')).toBe('redis://app:***@redis:6379/0');
    expect(maskUrl('rediss://:p%40ss@redis:6380')).toBe('rediss://:***@redis:6380');
    expect(maskUrl('postgres://db/app?password=x1&table=claims')).toBe('postgres://db/app?password=***&table=claims');
    expect(maskUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(maskUrl('sqlite:///var/lib/app/claims.db')).toBe('sqlite:///var/lib/app/claims.db');
    expect(maskUrl('not a url')).toBe('(not a URL)');
    expect(secretsOf('redis://:p%40ss@redis:6380')).toEqual(['p%40ss', 'p@ss']);
    expect(scrub('WRONGPASS for p@ss and p%40ss', secretsOf('redis://:p%40ss@redis:6380'))).toBe('WRONGPASS for *** and ***');
  });
});
