// Tenants in cluster mode and TLS to etcd and S3: etcd serves https:// and wants client
// certificates, s3rver serves https://, both with certificates from a CA the test makes (openssl);
// two nodes with an admin key. Tenants and their keys made on one node work on the other;
// tenants' collections are apart; the snapshot endpoints answer 501 naming cluster mode.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { Harness, call, ok, sleep } from './harness.mjs';

const TTL = 2;
const ADMIN = 'admin-secret';
const h = new Harness('tls');
let etcd, s3, nodes, certs, tlsArgs;
const admin = { 'api-key': ADMIN };

before(async () => {
  certs = h.certificates();
  etcd = await h.startEtcd(1, { tls: true });
  s3 = await h.startS3({ tls: true });
  tlsArgs = ['--cluster-ca-file', certs.ca, '--cluster-cert-file', certs.clientCert,
    '--cluster-key-file', certs.clientKey, '--admin-key', ADMIN];
  nodes = [];
  for (const id of ['t1', 't2']) nodes.push(await h.startNode(id, { etcd, objectStore: s3, ttl: TTL, args: tlsArgs }));
});

after(async () => { await h.close(); });

test('nodes reach etcd and S3 over TLS; an untrusted certificate is refused, naming why', async () => {
  assert.ok(etcd[0].startsWith('https://') && s3.includes('endpoint=https://'));
  await ok(nodes[0].url, 'PUT', '/collections/docs', { vectors: { size: 2, distance: 'Dot' }, shard_number: 2 }, admin);
  const points = Array.from({ length: 50 }, (_, i) => ({ id: i + 1, vector: [i, 1], payload: { who: 'default' } }));
  await ok(nodes[1].url, 'PUT', '/collections/docs/points?wait=true', { points }, admin);
  const hits = await ok(nodes[0].url, 'POST', '/collections/docs/points/search', { vector: [1, 0], limit: 3 }, admin);
  assert.deepEqual(hits.map((p) => p.id), [50, 49, 48]);
  // ragdb cluster status over TLS with the client certificate.
  const status = JSON.parse(execFileSync(process.env.RAGDB_BIN, ['cluster', 'status', '--etcd', etcd[0],
    '--ca-file', certs.ca, '--cert-file', certs.clientCert, '--key-file', certs.clientKey]).toString());
  assert.equal(status.etcd_members[0].healthy, true);
  assert.deepEqual(Object.keys(status.nodes).sort(), ['t1', 't2']);
  // Without the CA the node cannot verify etcd's certificate and does not start.
  const bad = await h.startNode('t9', { etcd, objectStore: s3, ttl: TTL, expectFailure: true,
    args: ['--admin-key', ADMIN] });
  assert.notEqual(bad.exited.code, 0);
  assert.match(h.log('node-t9.log'), /TLS handshake with https:\/\/127\.0\.0\.1:\d+ failed/);
});

test('tenants are served in cluster mode, apart from each other, on every node', async () => {
  await ok(nodes[0].url, 'POST', '/ragdb/tenants', { name: 'acme' }, admin);
  const key = (await ok(nodes[0].url, 'POST', '/ragdb/tenants/acme/keys', { role: 'read-write' }, admin)).key;
  const acme = { 'api-key': key };
  // The key was made on t1; t2 learns it from etcd within a tick.
  let r;
  for (let i = 0; i < 50; i++) {
    r = await call(nodes[1].url, 'GET', '/collections', undefined, 5000, acme);
    if (r.status === 200) break;
    await sleep(100);
  }
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.result.collections, []);  // the default tenant's "docs" is not acme's
  // acme's own "docs": same name, other data.
  await ok(nodes[1].url, 'PUT', '/collections/docs', { vectors: { size: 2, distance: 'Dot' }, shard_number: 2, replication_factor: 2 }, acme);
  const points = Array.from({ length: 20 }, (_, i) => ({ id: i + 1, vector: [1, i], payload: { who: 'acme' } }));
  await ok(nodes[0].url, 'PUT', '/collections/docs/points?wait=true', { points }, acme);
  assert.equal((await ok(nodes[0].url, 'POST', '/collections/docs/points/count', { exact: true }, acme)).count, 20);
  assert.equal((await ok(nodes[1].url, 'POST', '/collections/docs/points/count', { exact: true }, admin)).count, 50);
  const got = await ok(nodes[1].url, 'POST', '/collections/docs/points/scroll', { limit: 100, with_payload: true }, acme);
  assert.ok(got.points.every((p) => p.payload.who === 'acme'));
  const info = await ok(nodes[0].url, 'GET', '/collections/docs/cluster', undefined, acme);
  assert.equal(info.shard_count, 2);
  assert.equal(info.replication_factor, 2);
  // An admin acts inside the tenant by naming it.
  assert.equal((await ok(nodes[0].url, 'POST', '/collections/docs/points/count', { exact: true },
    { ...admin, 'ragdb-tenant': 'acme' })).count, 20);
  // A read-only key of the tenant cannot write.
  const ro = (await ok(nodes[1].url, 'POST', '/ragdb/tenants/acme/keys', { role: 'read-only' }, admin)).key;
  for (let i = 0; i < 50; i++) {
    if ((await call(nodes[0].url, 'GET', '/collections', undefined, 5000, { 'api-key': ro })).status === 200) break;
    await sleep(100);
  }
  const denied = await call(nodes[0].url, 'PUT', '/collections/docs/points?wait=true', { points }, 5000, { 'api-key': ro });
  assert.equal(denied.status, 403);

  // Deleting the tenant drops its collections from the cluster; the default tenant's stay.
  await ok(nodes[1].url, 'DELETE', '/ragdb/tenants/acme', undefined, admin);
  const status = JSON.parse(execFileSync(process.env.RAGDB_BIN, ['cluster', 'status', '--etcd', etcd[0],
    '--ca-file', certs.ca, '--cert-file', certs.clientCert, '--key-file', certs.clientKey]).toString());
  assert.deepEqual(Object.keys(status.collections), ['docs']);
  for (let i = 0; i < 50; i++) {
    if ((await call(nodes[0].url, 'GET', '/collections', undefined, 5000, acme)).status === 401) break;
    await sleep(100);
  }
  assert.equal((await call(nodes[0].url, 'GET', '/collections', undefined, 5000, acme)).status, 401);
  assert.equal((await ok(nodes[0].url, 'POST', '/collections/docs/points/count', { exact: true }, admin)).count, 50);
});

test('snapshot endpoints answer 501 in cluster mode, naming it', async () => {
  for (const [method, route] of [['POST', '/collections/docs/snapshots'], ['GET', '/collections/docs/snapshots'],
    ['PUT', '/collections/docs/snapshots/recover']]) {
    const r = await call(nodes[0].url, method, route, method === 'PUT' ? { location: 'file:///x' } : undefined, 5000, admin);
    assert.equal(r.status, 501, `${method} ${route}`);
    assert.match(r.body.status.error, /not available in cluster mode/);
  }
});
