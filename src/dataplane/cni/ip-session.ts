/**
 * One long-lived `ip -force -json -batch -` in the plugin's own (the node's) namespace, shared by
 * every node-side change the plugins make: no process start per ADD for the host veth. Each line
 * is sent followed by a sentinel line that always fails (a link name no interface has), whose
 * "Command failed -:N" marks the end of that line's output; lines of concurrent callers are
 * pipelined. stderr is merged into stdout so errors and `show` output arrive in the order ip wrote
 * them (ip flushes after each JSON show and writes errors unbuffered). `-force` keeps the process
 * alive across failed lines; a batch sends its next line only after the previous one succeeded,
 * so it stops at its first failure and reports ip's message with the line number within the
 * batch, exactly as a one-shot `ip -batch` would. ip exits on some malformed arguments: the line
 * in flight then fails with ip's message; lines queued behind it never ran and go to a new process.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

type IpChild = ChildProcessByStdio<Writable, Readable, null>;

export interface BatchOutcome {
  /** The JSON documents the `show` lines printed, in order. */
  json: string[];
  /** ip's message for the first failed line (with `Command failed -:<line in this request>`). */
  error?: string;
}

interface Pending {
  lines: readonly string[];
  /** Cumulative ip line numbers of the request's first line and of its sentinel. */
  first: number;
  sentinel: number;
  json: string[];
  text: string[];
  error?: string;
  resolve: (o: BatchOutcome) => void;
}

const SENTINEL = 'addr show dev podnet-end-of-request';
/**
 * `ip link show` sets ip's globals preferred_family = AF_PACKET and do_link = 1 (ipaddr_list_link)
 * and nothing resets them: every later `addr show` of the process would print links without
 * addresses. A session lives on, so it refuses these lines (`addr show` gives the link too).
 */
const LINK_SHOW = /^\s*l(i(n(k)?)?)?\s+(show|list|lst|ls)\b/;
const FAILED = /^Command failed -:(\d+)$/;

export class IpSession {
  private child: IpChild | undefined;
  private lineNo = 0;
  private readonly pending: Pending[] = [];
  private partial = '';

  private start(): IpChild {
    const child = spawn('sh', ['-c', 'exec ip -force -json -batch - 2>&1'], { stdio: ['pipe', 'pipe', 'ignore'] });
    this.lineNo = 0;
    this.partial = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => this.onData(d));
    child.stdin.on('error', () => undefined);
    child.on('error', () => undefined);
    child.on('close', () => this.onExit(child));
    child.unref();
    this.child = child;
    this.refs(false);
    return child;
  }

  /** Idle, the session must not keep its process alive (a standalone plugin exits when done). */
  private refs(on: boolean): void {
    if (!this.child) return;
    // The process handle too: after ip dies with requests pending, its exit must still arrive.
    for (const s of [this.child, this.child.stdin, this.child.stdout] as unknown as { ref(): void; unref(): void }[]) {
      if (on) s.ref();
      else s.unref();
    }
  }

  private onData(d: string): void {
    const lines = (this.partial + d).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.onLine(line);
  }

  private onLine(line: string): void {
    const p = this.pending[0];
    if (!p) return;
    const failed = FAILED.exec(line);
    if (!failed) {
      if (line.startsWith('[') || line.startsWith('{')) p.json.push(line);
      else if (line.trim()) p.text.push(line);
      return;
    }
    const n = Number(failed[1]);
    if (n === p.sentinel) {
      this.pending.shift();
      if (!this.pending.length) this.refs(false);
      p.resolve({ json: p.json, ...(p.error !== undefined ? { error: p.error } : {}) });
      return;
    }
    p.error ??= [...p.text.slice(-1), `Command failed -:${n - p.first + 1}`].join('; ');
    p.text = [];
  }

  private onExit(child: IpChild): void {
    if (this.child !== child) return;
    this.child = undefined;
    if (this.partial) this.onLine(this.partial);
    this.partial = '';
    const [head, ...queued] = this.pending.splice(0);
    if (head) head.resolve({ json: head.json, error: head.error ?? (head.text.slice(-2).join('; ') || 'ip exited') });
    for (const p of queued) void this.send(p.lines).then(p.resolve);
  }

  /** Runs the lines (none may contain a newline) up to the first that fails. */
  async batch(lines: readonly string[]): Promise<BatchOutcome> {
    const poison = lines.find((l) => LINK_SHOW.test(l) || l.includes('\n'));
    if (poison !== undefined) throw new Error(`ip session: refused line ${JSON.stringify(poison)} (use addr show; one line per command)`);
    const json: string[] = [];
    for (const [i, line] of lines.entries()) {
      const r = await this.send([line]);
      json.push(...r.json);
      if (r.error !== undefined) return { json, error: r.error.replace(/Command failed -:1$/, `Command failed -:${i + 1}`) };
    }
    return { json };
  }

  private send(lines: readonly string[]): Promise<BatchOutcome> {
    const child = this.child ?? this.start();
    return new Promise((resolve) => {
      const first = this.lineNo + 1;
      this.lineNo += lines.length + 1;
      this.pending.push({ lines, first, sentinel: this.lineNo, json: [], text: [], resolve });
      this.refs(true);
      child.stdin.write(`${[...lines, SENTINEL].join('\n')}\n`);
    });
  }
}
