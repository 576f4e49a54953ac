// Shared by the black-box Node tests (tests/server, tests/rag): start `ragdb serve` on a free
// loopback port and wait until it answers. Plain Node, no dependencies.
import { spawn } from 'node:child_process';
import net from 'node:net';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

// Starts `BIN --data dir serve --port p ...extraArgs` and waits until /healthz answers.
// Returns { proc, port, exited (a promise of {code, signal}), stderr() }.
export async function startServer(bin, dir, extraArgs = [], env = { ...process.env }) {
  const port = await freePort();
  const proc = spawn(bin, ['--data', dir, 'serve', '--port', String(port), ...extraArgs], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env,
  });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d.toString(); });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  for (let i = 0; i < 200; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (r.ok) return { proc, port, exited, stderr: () => stderr };
    } catch { /* not up yet */ }
    if (proc.exitCode !== null) break;
    await sleep(50);
  }
  proc.kill('SIGKILL');
  throw new Error(`server did not start: ${stderr}`);
}

// SIGTERM, then the exit status (graceful shutdown).
export async function stopServer(server) {
  server.proc.kill('SIGTERM');
  return server.exited;
}
