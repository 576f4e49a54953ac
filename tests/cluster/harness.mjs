// Starts the real pieces of a ragdb cluster on loopback for the tests: a 3-member etcd cluster
// (Debian's etcd-server), an S3 endpoint (npm s3rver) and ragdb nodes, each on free ports, and
// kills them all (by pid) at the end.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, sleep } from '../lib/serve.mjs';

export { sleep };
const here = path.dirname(new URL(import.meta.url).pathname);

export class Harness {
  constructor(name) {
    this.dir = fs.mkdtempSync(`/tmp/ragdb_cluster_${name}_`);
    this.procs = new Set();
  }

  spawn(cmd, args, log, env = process.env) {
    const out = fs.openSync(path.join(this.dir, log), 'a');
    const proc = spawn(cmd, args, { stdio: ['ignore', out, out], env });
    proc.exited = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal })));
    this.procs.add(proc);
    proc.on('exit', () => this.procs.delete(proc));
    return proc;
  }

  log(name) {
    try { return fs.readFileSync(path.join(this.dir, name), 'utf8'); } catch { return ''; }
  }

  // A private CA (openssl) and certificates it signs: for 127.0.0.1 (server) and for a client.
  certificates() {
    if (this.certs) return this.certs;
    const d = path.join(this.dir, 'certs');
    fs.mkdirSync(d, { recursive: true });
    const run = (...args) => execFileSync('openssl', args, { cwd: d, stdio: 'ignore' });
    run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=ragdb-test-ca',
      '-keyout', 'ca.key', '-out', 'ca.pem');
    // etcd's JSON gateway dials etcd's gRPC port with the server certificate: it must also be
    // good for client authentication.
    fs.writeFileSync(path.join(d, 'server.ext'),
      'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
    fs.writeFileSync(path.join(d, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
    for (const [name, cn] of [['server', '127.0.0.1'], ['client', 'ragdb-node']]) {
      run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', `${name}.key`,
        '-out', `${name}.csr`);
      run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
        '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`);
    }
    const f = (n) => path.join(d, n);
    this.certs = { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key'),
      clientCert: f('client.pem'), clientKey: f('client.key') };
    return this.certs;
  }

  // `tls`: https:// with the server certificate, client certificates required.
  async startEtcd(members = 3, { tls = false } = {}) {
    const ports = [];
    for (let i = 0; i < members; i++) ports.push({ client: await freePort(), peer: await freePort() });
    const initial = ports.map((p, i) => `e${i}=http://127.0.0.1:${p.peer}`).join(',');
    const scheme = tls ? 'https' : 'http';
    this.etcd = ports.map((p, i) => {
      const client = `${scheme}://127.0.0.1:${p.client}`;
      const args = [
        '--name', `e${i}`, '--data-dir', path.join(this.dir, `etcd${i}`),
        '--listen-client-urls', client, '--advertise-client-urls', client,
        '--listen-peer-urls', `http://127.0.0.1:${p.peer}`,
        '--initial-advertise-peer-urls', `http://127.0.0.1:${p.peer}`,
        '--initial-cluster', initial, '--initial-cluster-state', 'new',
        '--heartbeat-interval', '100', '--election-timeout', '1000',
      ];
      if (tls) {
        const c = this.certificates();
        args.push('--cert-file', c.cert, '--key-file', c.key, '--client-cert-auth',
          '--trusted-ca-file', c.ca);
      }
      const proc = this.spawn('etcd', args, `etcd${i}.log`);
      return { proc, url: client, port: p.client };
    });
    if (tls) {
      for (const e of this.etcd) await waitPort(e.port);
      await sleep(1000);  // a single member elects itself within its election timeout
      return this.etcd.map((e) => e.url);
    }
    for (let i = 0; i < 150; i++) {
      if (await this.etcdLeader() !== null) return this.etcd.map((e) => e.url);
      await sleep(100);
    }
    throw new Error('etcd cluster did not elect a leader');
  }

  // Index of the member that is the Raft leader, or null.
  async etcdLeader() {
    for (let i = 0; i < this.etcd.length; i++) {
      try {
        const r = await fetch(`${this.etcd[i].url}/v3/maintenance/status`, {
          method: 'POST', body: '{}', signal: AbortSignal.timeout(500),
        });
        const j = await r.json();
        if (j.leader && j.header && j.leader === j.header.member_id) return i;
      } catch { /* down */ }
    }
    return null;
  }

  async startS3({ tls = false } = {}) {
    const port = await freePort();
    const args = [path.join(here, 'node_modules/s3rver/bin/s3rver.js'), '--address', '127.0.0.1',
      '--port', String(port), '--directory', path.join(this.dir, 's3'), '--configure-bucket', 'ragdb',
      '--silent'];
    if (tls) args.push('--cert', this.certificates().cert, '--key', this.certificates().key);
    this.spawn('node', args, 's3rver.log');
    if (tls) {
      await waitPort(port);
    } else {
      await waitHttp(`http://127.0.0.1:${port}/`);
    }
    const scheme = tls ? 'https' : 'http';
    return `s3://ragdb/cluster?endpoint=${scheme}://127.0.0.1:${port}&region=us-east-1`;
  }

  // A ragdb node; `port` may be given to restart a node where it was. `args` are added to the
  // command line, `env` to the environment; with `adminKey`, calls wait for an authorized answer.
  async startNode(id, { etcd, objectStore, port, ttl = 2, config = '', args: extra = [], env: more = {},
    expectFailure = false }) {
    port = port ?? await freePort();
    const cache = path.join(this.dir, `cache-${id}`);
    fs.rmSync(cache, { recursive: true, force: true });
    const args = ['serve', '--cluster', '--etcd', etcd.join(','), '--object-store', objectStore,
      '--node-id', id, '--advertise', `http://127.0.0.1:${port}`, '--port', String(port),
      '--data', cache, '--lease-ttl', String(ttl)];
    if (config) {
      const file = path.join(this.dir, `${id}.toml`);
      fs.writeFileSync(file, config);
      args.push('--config', file);
    }
    args.push(...extra);
    const env = { ...process.env, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', ...more };
    const proc = this.spawn(process.env.RAGDB_BIN, args, `node-${id}.log`, env);
    if (expectFailure) return { id, port, proc, exited: await proc.exited };
    await waitHttp(`http://127.0.0.1:${port}/healthz`, proc);
    return { id, port, proc, url: `http://127.0.0.1:${port}` };
  }

  async startSingle() {
    const port = await freePort();
    const proc = this.spawn(process.env.RAGDB_BIN,
      ['--data', path.join(this.dir, 'single'), 'serve', '--port', String(port)], 'single.log');
    await waitHttp(`http://127.0.0.1:${port}/healthz`, proc);
    return { port, proc, url: `http://127.0.0.1:${port}` };
  }

  async close() {
    for (const p of [...this.procs]) {
      try { p.kill('SIGCONT'); p.kill('SIGKILL'); } catch { /* gone */ }
      await p.exited;
    }
    if (!process.env.RAGDB_KEEP_TEST_DIR) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

async function waitPort(port) {
  const net = await import('node:net');
  for (let i = 0; i < 300; i++) {
    const up = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (up) return;
    await sleep(100);
  }
  throw new Error(`port ${port} did not open`);
}

async function waitHttp(url, proc) {
  for (let i = 0; i < 300; i++) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (r.status < 500) return;
    } catch { /* not up */ }
    if (proc && proc.exitCode !== null) break;
    await sleep(100);
  }
  throw new Error(`${url} did not come up`);
}

// One Qdrant-API call; returns {status, body, headers}. `headers` are added to the request's.
export async function call(base, method, route, body, timeoutMs = 60000, headers = {}) {
  const r = await fetch(base + route, {
    method, headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await r.text();
  let json;
  try { json = JSON.parse(text); } catch { json = text; }
  return { status: r.status, body: json, headers: r.headers };
}

// The result of a call that must succeed.
export async function ok(base, method, route, body, headers = {}) {
  const r = await call(base, method, route, body, 60000, headers);
  if (r.status !== 200) throw new Error(`${method} ${route} -> ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.result;
}

// Deterministic data (no Math.random): a small LCG.
export function rng(seed) {
  let s = BigInt(seed);
  return () => {
    s = (s * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
    return Number(s >> 11n) / 2 ** 53;
  };
}
