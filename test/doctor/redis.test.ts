// `jwt-once doctor redis://...` run as a child process against private
// redis-servers on free loopback ports: eviction, persistence, INFO denied by
// ACL, replicas and their lag, a replica given as the URL, a password that is
// never printed, a closed port; exit statuses and the --json shape.
import { describeWithRedis, freePort, hasRedisBinaries, PrivateRedis, redisCli } from '../stores/redis-servers.js';
import { waitUntil } from '../helpers/wait.js';
import { doctorJson, expectReportShape, finding, runDoctor } from './run-doctor.js';

const PASSWORD = 'd0ctor-s3cret-pw';

/** Starts a private redis-server with `config`; every server started is stopped in afterAll. */
const started: PrivateRedis[] = [];
async function redis(...config: string[]): Promise<PrivateRedis> {
  const server = new PrivateRedis(await freePort(), config);
  started.push(server);
  await server.start();
  return server;
}

/** No key of the doctor's is left: its throwaway claims are released. */
function doctorKeys(port: number, password?: string): string {
  const auth = password === undefined ? [] : ['-a', password, '--no-auth-warning'];
  return redisCli(port, ...auth, '--scan', '--pattern', '*jwt-once-doctor*');
}

describeWithRedis('jwt-once doctor on Redis', hasRedisBinaries(), 'redis-server and redis-cli are not on the PATH', () => {
  jest.setTimeout(120_000);
  afterAll(async () => {
    await Promise.all(started.map((s) => s.stop()));
  });

  it('passes a noeviction Redis with AOF everysec (exit 0); the table and the JSON never show the password', async () => {
    const server = await redis(
      '--maxmemory',
      '64mb',
      '--maxmemory-policy',
      'noeviction',
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
    );
    redisCli(server.port, 'CONFIG', 'SET', 'requirepass', PASSWORD); // after start: the start-up probe sends PING without auth
    const url = `redis://:${PASSWORD}@127.0.0.1:${server.port}/0`;
    const { status, report, stderr } = await doctorJson(url);
    expectReportShape(report);
    expect(status).toBe(0);
    expect(report.verdict).toBe('safe');
    expect(report.store).toBe(`redis://:***@127.0.0.1:${server.port}/0`);
    const address = `127.0.0.1:${server.port}`;
    expect(finding(report, 'eviction', address)).toMatchObject({
      status: 'pass',
      found: expect.stringContaining('maxmemory 64mb, maxmemory-policy noeviction'),
    });
    expect(finding(report, 'persistence', address)).toMatchObject({
      status: 'pass',
      found: expect.stringContaining('appendfsync everysec'),
    });
    expect(finding(report, 'commands', address).status).toBe('pass');
    expect(finding(report, 'replicas', address).status).toBe('pass');
    expect(finding(report, 'clock', address)).toMatchObject({ status: 'pass', found: expect.stringMatching(/^server clock [+-]\d+ ms/) });
    expect(finding(report, 'round-trip')).toMatchObject({
      status: 'pass',
      found: expect.stringContaining('claim won, replay refused, release freed it'),
    });
    expect(doctorKeys(server.port, PASSWORD)).toBe('');
    expect(stderr).toBe('');

    const table = await runDoctor(['doctor', url]);
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/^ok +eviction +127\.0\.0\.1:\d+ +maxmemory 64mb/m);
    expect(table.stdout).toContain('SAFE (0 failed');
    for (const output of [table.stdout, table.stderr, JSON.stringify(report)]) expect(output).not.toContain(PASSWORD);
  });

  it('fails an allkeys-lru Redis with maxmemory set (exit 1), naming noeviction as the fix', async () => {
    const server = await redis('--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru');
    const { status, report } = await doctorJson(server.url);
    expectReportShape(report);
    expect(status).toBe(1);
    expect(report.verdict).toBe('unsafe');
    const eviction = finding(report, 'eviction');
    expect(eviction).toMatchObject({ status: 'fail', found: expect.stringContaining('allkeys-lru') });
    expect(eviction.fix).toContain('maxmemory-policy noeviction');
    const table = await runDoctor(['doctor', server.url]);
    expect(table.status).toBe(1);
    expect(table.stdout).toMatch(/^FAIL +eviction/m);
    expect(table.stdout).toMatch(/^ +fix: CONFIG SET maxmemory-policy noeviction/m);
  });

  it('warns on AOF off (exit 0; exit 1 with --strict) and passes once AOF is on', async () => {
    const server = await redis('--save', '900 1');
    const off = await doctorJson(server.url);
    expect(off.status).toBe(0);
    expect(finding(off.report, 'persistence')).toMatchObject({
      status: 'warn',
      found: expect.stringContaining('RDB snapshots only'),
      fix: expect.stringContaining('appendonly yes'),
    });
    expect((await doctorJson(server.url, '--strict')).status).toBe(1);
    redisCli(server.port, 'CONFIG', 'SET', 'appendonly', 'yes');
    redisCli(server.port, 'CONFIG', 'SET', 'appendfsync', 'always');
    const on = await doctorJson(server.url, '--strict');
    expect(finding(on.report, 'persistence')).toMatchObject({ status: 'pass', found: expect.stringContaining('appendfsync always') });
    expect(on.status).toBe(0);
  });

  it('reports "cannot check" for an ACL user without +info (and fails: jwt-once refuses such a Redis), without crashing', async () => {
    const server = await redis();
    redisCli(server.port, 'ACL', 'SETUSER', 'noinfo', 'on', '>noinfo-pw', '~*', '+@all', '-info', '-config');
    const url = `redis://noinfo:noinfo-pw@127.0.0.1:${server.port}`;
    const { status, report, stderr } = await doctorJson(url);
    expectReportShape(report);
    expect(stderr).toBe('');
    expect(status).toBe(1);
    expect(finding(report, 'commands')).toMatchObject({ status: 'fail', fix: expect.stringContaining('ACL SETUSER noinfo +info') });
    expect(finding(report, 'commands').found).toMatch(/INFO refused .*NOPERM/);
    expect(finding(report, 'eviction')).toMatchObject({ status: 'unknown', found: expect.stringContaining('cannot check') });
    expect(finding(report, 'persistence').status).toBe('unknown');
    expect(finding(report, 'round-trip').status).toBe('pass'); // the user may claim; only the checks are denied
    expect(JSON.stringify(report)).not.toContain('noinfo-pw');
  });

  it('reports replicas and their lag: asynchronous warns, waitForReplicas beyond the replicas fails, a replica as the URL fails', async () => {
    const master = await redis('--appendonly', 'yes');
    const replica = await redis('--replicaof', '127.0.0.1', String(master.port));
    await waitUntil(() => redisCli(master.port, 'INFO', 'replication').includes('state=online'), {
      ms: 15_000,
      every: 100,
      what: 'the replica online',
    });

    const plain = await doctorJson(master.url);
    expect(plain.status).toBe(0);
    expect(finding(plain.report, 'replicas')).toMatchObject({
      status: 'warn',
      found: expect.stringMatching(new RegExp(`^1 \\(127\\.0\\.0\\.1:${replica.port} online, lag \\d+ s\\), asynchronous`)),
      fix: expect.stringContaining('waitForReplicas=1'),
    });
    const waited = await doctorJson(`${master.url}?waitForReplicas=1`);
    expect(finding(waited.report, 'replicas').status).toBe('pass');
    expect(finding(waited.report, 'round-trip').status).toBe('pass'); // WAIT 1 answered by the replica
    expect(waited.status).toBe(0);
    const tooMany = await doctorJson(`${master.url}?waitForReplicas=2`);
    expect(tooMany.status).toBe(1);
    expect(finding(tooMany.report, 'replicas')).toMatchObject({
      status: 'fail',
      found: expect.stringContaining('waitForReplicas=2 but 1 replica online'),
    });

    const onReplica = await doctorJson(replica.url);
    expect(onReplica.status).toBe(1);
    expect(finding(onReplica.report, 'role')).toMatchObject({ status: 'fail', fix: expect.stringContaining('master') });
  });

  it('exits 2 on a closed port, as a table and as JSON', async () => {
    const port = await freePort();
    const { status, report } = await doctorJson(`redis://:${PASSWORD}@127.0.0.1:${port}`, '--timeout', '2000');
    expectReportShape(report);
    expect(status).toBe(2);
    expect(report.verdict).toBe('unreachable');
    expect(report.findings).toEqual([
      { check: 'connect', status: 'fail', found: expect.stringContaining('ECONNREFUSED'), fix: expect.stringContaining('host and port') },
    ]);
    const table = await runDoctor(['doctor', `redis://:${PASSWORD}@127.0.0.1:${port}`]);
    expect(table.status).toBe(2);
    expect(table.stdout).toContain('UNREACHABLE');
    expect(table.stdout + table.stderr).not.toContain(PASSWORD);
  });
});
