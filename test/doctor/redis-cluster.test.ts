// `jwt-once doctor` on a private 3-master Redis Cluster: every master is
// checked on its own, one evicting master fails the run, and the round trip
// goes through the cluster client.
import { describeWithRedis, hasRedisBinaries, PrivateCluster, redisCli } from '../stores/redis-servers.js';
import { doctorJson, expectReportShape, finding } from './run-doctor.js';

describeWithRedis('jwt-once doctor on a Redis Cluster', hasRedisBinaries(), 'redis-server and redis-cli are not on the PATH', () => {
  jest.setTimeout(120_000);
  const cluster = new PrivateCluster();
  beforeAll(async () => {
    await cluster.start();
  });
  afterAll(async () => {
    await cluster.stop();
  });

  it('checks each master; one master with allkeys-lru fails the run (exit 1) and only that master', async () => {
    const [first, second] = cluster.nodes;
    const safe = await doctorJson(first!.url);
    expectReportShape(safe.report);
    expect(finding(safe.report, 'cluster')).toMatchObject({ status: 'pass', found: '3 masters, each checked below' });
    const masters = cluster.nodes.map((n) => `127.0.0.1:${n.port}`).sort();
    expect(
      safe.report.findings
        .filter((f) => f.check === 'eviction')
        .map((f) => f.server)
        .sort(),
    ).toEqual(masters);
    expect(finding(safe.report, 'round-trip').status).toBe('pass');
    expect(safe.status).toBe(0);

    redisCli(second!.port, 'CONFIG', 'SET', 'maxmemory', '64mb');
    redisCli(second!.port, 'CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
    const unsafe = await doctorJson(first!.url);
    expect(unsafe.status).toBe(1);
    const evictions = unsafe.report.findings.filter((f) => f.check === 'eviction');
    expect(evictions.filter((f) => f.status === 'fail').map((f) => f.server)).toEqual([`127.0.0.1:${second!.port}`]);
    expect(evictions.filter((f) => f.status === 'pass')).toHaveLength(2);
  });
});
