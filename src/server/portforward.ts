/**
 * `pods/portforward` (protocol `portforward.k8s.io`), served as the kubelet serves it: a SPDY/3.1
 * session, either tunnelled in a WebSocket (subprotocol `SPDY/3.1+portforward.k8s.io`, each binary
 * message a piece of the byte stream; kubectl ≥ 1.31) or after a plain `Upgrade: SPDY/3.1` (older
 * kubectl, and newer ones falling back). Every forwarded connection is two client streams with the
 * same `requestID` header: `streamType: error` and `streamType: data`, both with a `port` header.
 * Once both have arrived, the runtime connects to the port inside the pod and copies bytes between
 * that connection and the data stream; a failure is written on the error stream as
 * "error forwarding port N to pod NS/NAME, uid UID: REASON", and both streams are then closed.
 */
import type { Pod } from '../api/types.ts';
import type { PodRuntime } from './exec.ts';
import { RST_STATUS, type SpdySession, type SpdyStream } from './spdy/index.ts';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
/** The WebSocket subprotocol that carries the SPDY session (client-go's tunnelling dialer). */
export const PORT_FORWARD_WS_PROTOCOL = `SPDY/3.1+${PORT_FORWARD_PROTOCOL}`;

/** The kubelet's default: how long the first stream of a pair waits for the other. */
const STREAM_CREATION_TIMEOUT_MS = 30_000;

interface StreamPair {
  requestID: string;
  data?: SpdyStream;
  error?: SpdyStream;
  timer: NodeJS.Timeout;
}

/** Why a stream's headers are unusable (the kubelet's wording), or undefined. */
export function streamHeaderProblem(stream: Pick<SpdyStream, 'header'>): string | undefined {
  const port = stream.header('port');
  if (!port) return '"port" header is required';
  if (!/^\d+$/.test(port) || Number(port) > 65535) return `unable to parse "${port}" as a port`;
  if (Number(port) < 1) return `port "${port}" must be > 0`;
  const type = stream.header('streamType');
  if (!type) return '"streamType" header is required';
  if (type !== 'error' && type !== 'data') return `invalid stream type "${type}"`;
  return undefined;
}

/** Serves port-forward streams on `session` until it closes. */
export function servePortForward(session: SpdySession, pod: Pod, forward: NonNullable<PodRuntime['portForward']>, log?: (line: string) => void): void {
  const pairs = new Map<string, StreamPair>();
  const podName = `${pod.metadata.namespace}/${pod.metadata.name}`;

  const run = async (pair: StreamPair & { data: SpdyStream; error: SpdyStream }): Promise<void> => {
    const port = Number(pair.data.header('port'));
    try {
      await forward({ pod, port }, pair.data);
    } catch (err) {
      const message = `error forwarding port ${port} to pod ${podName}, uid ${pod.metadata.uid ?? ''}: ${(err as Error).message}`;
      log?.(`port-forward: ${message}`);
      pair.error.write(message);
    } finally {
      pair.data.end();
      pair.error.end();
    }
  };

  session.on('stream', (stream: SpdyStream) => {
    const problem = streamHeaderProblem(stream);
    if (problem) {
      log?.(`port-forward: stream ${stream.id} rejected: ${problem}`);
      stream.reset(RST_STATUS.refusedStream);
      return;
    }
    stream.reply();
    const type = stream.header('streamType') as 'error' | 'data';
    // Clients before requestID headers: the error stream's id names the pair, the data stream is 2 later.
    const requestID = stream.header('requestID') ?? String(type === 'error' ? stream.id : stream.id - 2);
    let pair = pairs.get(requestID);
    if (!pair) {
      const created: StreamPair = {
        requestID,
        timer: setTimeout(() => {
          pairs.delete(requestID);
          created.error?.end(`timed out waiting for streams of request ${requestID}`);
          created.data?.end();
        }, STREAM_CREATION_TIMEOUT_MS),
      };
      pair = created;
      pairs.set(requestID, pair);
    }
    if (pair[type]) {
      const message = `error processing stream for request ${requestID}: ${type} stream already assigned`;
      pair.error?.write(message);
      stream.reset(RST_STATUS.protocolError);
      return;
    }
    pair[type] = stream;
    const { data, error } = pair;
    if (data && error) {
      clearTimeout(pair.timer);
      pairs.delete(requestID);
      void run({ ...pair, data, error });
    }
  });

  session.on('close', () => {
    for (const pair of pairs.values()) clearTimeout(pair.timer);
    pairs.clear();
  });
}
