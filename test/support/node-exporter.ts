/**
 * node_exporter's textfile collector, run as another user (nobody) on 127.0.0.1 over one
 * folder, scraped once: what a real node sees of rdma-probe's .prom file. Needs root (to
 * switch user) and Debian's prometheus-node-exporter package (scripts/setup.sh).
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

export const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';

export const needsRoot =
  process.getuid?.() !== 0 ? 'needs root to run node_exporter as another user' : false;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function scrape(url: string, deadline: number): Promise<string> {
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return await response.text();
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`no answer from ${url}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One scrape of node_exporter reading `folder` (which nobody must be able to read). */
export async function scrapeTextfiles(folder: string): Promise<{ metrics: string; log: string }> {
  const port = await freePort();
  const exporter = spawn(
    'setpriv',
    [
      '--reuid=nobody',
      '--regid=nogroup',
      '--clear-groups',
      NODE_EXPORTER,
      `--web.listen-address=127.0.0.1:${port}`,
      '--collector.disable-defaults',
      '--collector.textfile',
      `--collector.textfile.directory=${folder}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  exporter.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  try {
    const metrics = await scrape(`http://127.0.0.1:${port}/metrics`, Date.now() + 15_000);
    return { metrics, log };
  } finally {
    exporter.kill();
  }
}
