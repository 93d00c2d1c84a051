// `jwt-once doctor postgres://...` run as a child process against the
// PostgreSQL on 127.0.0.1:5432 (database test), on tables of its own: a
// LOGGED table passes with a round trip that leaves no row, an UNLOGGED one
// fails, a missing one is neither created nor claimed in; a durability
// setting passed in the URL warns; a closed port exits 2.
import { freePort } from '../stores/redis-servers.js';
import { describeWithPostgres, SHARED_PG_URL, sql, uniqueTable } from '../stores/postgres-servers.js';
import { doctorJson, expectReportShape, finding, runDoctor } from './run-doctor.js';

/** The table `@keyv/postgres` 2 creates, as the store expects it. */
const keyvTable = (name: string, unlogged = false): string =>
  `CREATE ${unlogged ? 'UNLOGGED ' : ''}TABLE ${name} (key VARCHAR(255) PRIMARY KEY, value TEXT)`;

describeWithPostgres('jwt-once doctor on PostgreSQL', () => {
  jest.setTimeout(120_000);
  const logged = uniqueTable();
  const unlogged = uniqueTable();
  const missing = uniqueTable();
  const urlOf = (table: string, extra = ''): string => `${SHARED_PG_URL}?table=${table}${extra}`;

  beforeAll(async () => {
    await sql(keyvTable(logged));
    await sql(keyvTable(unlogged, true));
  });
  afterAll(async () => {
    for (const table of [logged, unlogged, missing]) await sql(`DROP TABLE IF EXISTS ${table}`);
  });

  it('passes a LOGGED table (exit 0): claim, replay refused, release, and no row left', async () => {
    const { status, report, stderr } = await doctorJson(urlOf(logged));
    expectReportShape(report);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(report.kind).toBe('postgres');
    expect(finding(report, 'table')).toMatchObject({
      status: 'pass',
      found: `public.${logged} is LOGGED: a crash keeps every committed claim`,
    });
    expect(finding(report, 'durability')).toMatchObject({ status: 'pass', found: expect.stringContaining('synchronous_commit on') });
    expect(finding(report, 'standbys').status).toBe('pass');
    expect(finding(report, 'clock')).toMatchObject({ status: 'pass', found: expect.stringMatching(/^server clock [+-]\d+ ms/) });
    expect(finding(report, 'round-trip')).toMatchObject({
      status: 'pass',
      found: expect.stringContaining('claim won, replay refused, release freed it'),
    });
    expect(await sql(`SELECT key FROM ${logged}`)).toEqual([]);
  });

  it('fails an UNLOGGED table (exit 1) with ALTER TABLE ... SET LOGGED as the fix; the table output says so', async () => {
    const { status, report } = await doctorJson(urlOf(unlogged));
    expectReportShape(report);
    expect(status).toBe(1);
    expect(finding(report, 'table')).toMatchObject({ status: 'fail', fix: `ALTER TABLE public.${unlogged} SET LOGGED` });
    expect(finding(report, 'round-trip').status).toBe('skip');
    const table = await runDoctor(['doctor', urlOf(unlogged)]);
    expect(table.status).toBe(1);
    expect(table.stdout).toMatch(/^FAIL +table +public\.\w+ is UNLOGGED/m);
    expect(table.stdout).toContain(`fix: ALTER TABLE public.${unlogged} SET LOGGED`);
  });

  it('does not create a missing table, and says the store will (exit 0)', async () => {
    const { status, report } = await doctorJson(urlOf(missing));
    expect(status).toBe(0);
    expect(finding(report, 'table')).toMatchObject({ status: 'pass', found: expect.stringContaining('does not exist yet') });
    expect(finding(report, 'round-trip').status).toBe('skip');
    expect(await sql('SELECT 1 FROM pg_class WHERE relname = $1', [missing])).toEqual([]);
  });

  it('warns on synchronous_commit off (set for this connection in the URL), and fails with --strict', async () => {
    const url = urlOf(logged, `&options=${encodeURIComponent('-c synchronous_commit=off')}`);
    const { status, report } = await doctorJson(url);
    expect(finding(report, 'durability')).toMatchObject({
      status: 'warn',
      found: expect.stringContaining('synchronous_commit off'),
      fix: expect.stringContaining('synchronous_commit = on'),
    });
    expect(status).toBe(0);
    expect((await doctorJson(url, '--strict')).status).toBe(1);
  });

  it('exits 2 on a closed port, never printing the password', async () => {
    const port = await freePort();
    const url = `postgres://postgres:pg-s3cret@127.0.0.1:${port}/test?table=${logged}`;
    const { status, report } = await doctorJson(url, '--timeout', '2000');
    expectReportShape(report);
    expect(status).toBe(2);
    expect(report.store).toBe(`postgres://postgres:***@127.0.0.1:${port}/test?table=${logged}`);
    expect(finding(report, 'connect').found).toContain('ECONNREFUSED');
    expect(JSON.stringify(report)).not.toContain('pg-s3cret');
  });
});
