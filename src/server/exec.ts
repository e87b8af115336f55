/**
 * `pods/exec` and `pods/attach` over WebSocket with the `v5.channel.k8s.io` (and v4) stream protocol:
 * every binary message starts with a channel byte — 0 stdin, 1 stdout, 2 stderr, 3 status/error
 * (one JSON Status at the end), 4 resize (`{"Width","Height"}`) — and v5 adds 255 = "close this
 * stream" from the client (`[255, 0]` ends stdin). The exit code travels as a Status on channel 3
 * (NonZeroExitCode with an ExitCode cause), which kubectl turns into its own exit code.
 *
 * Commands run in a pod only when a PodRuntime (the real dataplane) is attached; otherwise the stream
 * opens and ends at once with a Status saying why, so kubectl prints a clear error instead of hanging.
 */
import type { Duplex } from 'node:stream';
import type { Pod } from '../api/types.ts';
import type { Status } from './status.ts';
import type { WebSocketConnection } from './websocket.ts';

export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

export interface TerminalSize {
  width: number;
  height: number;
}

/** The streams of one exec as the runtime sees them. */
export interface ExecIO {
  /** Called with each stdin chunk; `null` = stdin closed. Set by the runtime. */
  onStdin?: (data: Buffer | null) => void;
  onResize?: (size: TerminalSize) => void;
  stdout(data: Buffer | string): void;
  stderr(data: Buffer | string): void;
}

export interface ExecRequest {
  pod: Pod;
  container: string;
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export interface LogRequest {
  pod: Pod;
  container: string;
  follow: boolean;
  tailLines?: number;
  timestamps: boolean;
  previous: boolean;
  sinceSeconds?: number;
  limitBytes?: number;
}

/** One forwarded connection of `pods/portforward`. */
export interface PortForwardRequest {
  pod: Pod;
  port: number;
}

/** What runs processes in pods: the dataplane implements it when it is up. */
export interface PodRuntime {
  /** Runs the command; resolves with its exit code. */
  exec(req: ExecRequest, io: ExecIO): Promise<number>;
  /** The container's log; an iterable that ends (or, with follow, streams until `signal` aborts). */
  logs(req: LogRequest, signal: AbortSignal): AsyncIterable<Buffer | string>;
  /**
   * Connects to localhost:port inside the pod's network namespace and copies bytes both ways
   * between that connection and `stream` (the client's end of `stream` closing half-closes the
   * connection). Resolves when the pod's side has closed; rejects when it cannot connect, with the
   * reason the client is told (kubelet words it after "error forwarding port N to pod …").
   * Optional: a runtime without it refuses port-forward upgrades with a Status.
   */
  portForward?(req: PortForwardRequest, stream: Duplex): Promise<void>;
}

export function successStatus(): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 } as Status;
}

/** The Status the kubelet sends for exit code `code` of `command`. */
export function exitCodeStatus(command: readonly string[], code: number): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
    code: 500,
  };
}

export function frame(channel: number, data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([Buffer.from([channel]), body]);
}

/** Runs one exec session on an accepted connection. */
export async function runExecSession(conn: WebSocketConnection, req: ExecRequest, runtime: PodRuntime | undefined, unavailable: Status): Promise<void> {
  const v5 = conn.protocol === 'v5.channel.k8s.io';
  const finish = (status: Status): void => {
    conn.send(frame(CHANNEL.error, JSON.stringify(status)));
    conn.close(1000);
  };
  if (!runtime) {
    finish(unavailable);
    return;
  }
  const io: ExecIO = {
    stdout: (d) => req.stdout && conn.send(frame(CHANNEL.stdout, d)),
    stderr: (d) => req.stderr && conn.send(frame(req.tty ? CHANNEL.stdout : CHANNEL.stderr, d)),
  };
  let stdinClosed = false;
  const closeStdin = (): void => {
    if (stdinClosed) return;
    stdinClosed = true;
    io.onStdin?.(null);
  };
  conn.on('message', (data: Buffer) => {
    if (!data.length) return;
    const channel = data[0];
    const body = data.subarray(1);
    if (channel === CHANNEL.stdin && req.stdin && !stdinClosed) io.onStdin?.(body);
    else if (channel === CHANNEL.resize) {
      try {
        const size = JSON.parse(body.toString('utf8')) as { Width?: number; Height?: number };
        io.onResize?.({ width: Number(size.Width ?? 0), height: Number(size.Height ?? 0) });
      } catch {
        // a malformed resize event is ignored, as the kubelet does
      }
    } else if (channel === CHANNEL.close && v5 && body[0] === CHANNEL.stdin) closeStdin();
  });
  conn.on('close', closeStdin);
  let code: number;
  try {
    code = await runtime.exec(req, io);
  } catch (err) {
    finish({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: (err as Error).message, reason: 'InternalError', code: 500 } as Status);
    return;
  }
  finish(code === 0 ? successStatus() : exitCodeStatus(req.command, code));
}
