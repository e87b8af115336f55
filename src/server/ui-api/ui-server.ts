/** A standalone HTTP server for the UI (`podnet ui`): the handler at `/`, nothing else. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UIHandler, type UIHandlerOptions } from './handler.ts';

export interface UIServer {
  url: string;
  port: number;
  handler: UIHandler;
  close(): Promise<void>;
}

export async function startUIServer(options: UIHandlerOptions & { host?: string; port?: number }): Promise<UIServer> {
  const handler = new UIHandler({ ...options, prefix: '/' });
  const server: Server = createServer((req, res) => {
    if (!handler.handle(req, res)) res.writeHead(404).end();
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shown}:${addr.port}/`,
    port: addr.port,
    handler,
    close: () =>
      new Promise<void>((resolve) => {
        handler.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
