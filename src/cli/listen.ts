/** What the CLI's long-running servers share: `--listen` parsing and running until SIGINT/SIGTERM. */
import { isIP } from 'node:net';
import { UsageError } from './output.ts';

/** `HOST:PORT`, `[v6]:PORT`, `:PORT` or `PORT` (loopback). */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  if (!m) throw new UsageError(`--listen must be HOST:PORT or PORT, got ${JSON.stringify(text)}`);
  const host = m[1] || m[2] || '127.0.0.1';
  const port = Number(m[3]);
  if (port > 65535) throw new UsageError(`--listen: port ${port} is out of range`);
  return { host, port };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** Waits for SIGINT or SIGTERM, then closes the server; resolves once it is closed. */
export function serveUntilSignal(close: () => Promise<void>): Promise<void> {
  return new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void close().then(done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
