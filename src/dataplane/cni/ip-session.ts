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
 *
 * ip caches interface name → index for the life of the process and never drops an entry. A link
 * deleted behind its back (a pod namespace removed takes its veth with it) and made again under the
 * same name (the same pod recreated on the node) gets a new index, and ip's lines naming it fail
 * with ENODEV. So a line failing with "No such device" retires the process (it finishes what it
 * has queued, then exits) and runs once more on a fresh one; ENODEV means the kernel did nothing.
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
/** The kernel's ENODEV, as ip prints it: with a stale cached index, the name lookup was the problem. */
const STALE_INDEX = /No such device/;

/** One `ip -batch` process and the requests it has in flight, answered in order. */
class IpProcess {
  private readonly child: IpChild;
  private lineNo = 0;
  private readonly pending: Pending[] = [];
  private partial = '';
  private retired = false;

  /** `onExit` gets the requests that never ran (ip died before reaching them). */
  constructor(private readonly onExit: (process: IpProcess, unrun: Pending[]) => void) {
    const child = spawn('sh', ['-c', 'exec ip -force -json -batch - 2>&1'], { stdio: ['pipe', 'pipe', 'ignore'] });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => this.onData(d));
    child.stdin.on('error', () => undefined);
    child.on('error', () => undefined);
    child.on('close', () => this.exited());
    this.child = child;
    this.refs(false);
  }

  get accepting(): boolean {
    return !this.retired && this.child.exitCode === null && this.child.signalCode === null;
  }

  send(lines: readonly string[]): Promise<BatchOutcome> {
    return new Promise((resolve) => this.enqueue({ lines, first: 0, sentinel: 0, json: [], text: [], resolve }));
  }

  enqueue(p: Pending): void {
    p.first = this.lineNo + 1;
    this.lineNo += p.lines.length + 1;
    p.sentinel = this.lineNo;
    p.json = [];
    p.text = [];
    this.pending.push(p);
    this.refs(true);
    this.child.stdin.write(`${[...p.lines, SENTINEL].join('\n')}\n`);
  }

  /** No new requests: ip finishes those it has, then exits at the end of its input. */
  retire(): void {
    this.retired = true;
    this.child.stdin.end();
  }

  /** Idle, the process must not keep Node alive (a standalone plugin exits when done). */
  private refs(on: boolean): void {
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

  private exited(): void {
    if (this.partial) this.onLine(this.partial);
    this.partial = '';
    const [head, ...unrun] = this.pending.splice(0);
    if (head) head.resolve({ json: head.json, error: head.error ?? (head.text.slice(-2).join('; ') || 'ip exited') });
    this.onExit(this, unrun);
  }
}

export class IpSession {
  private current: IpProcess | undefined;

  /** Runs the lines (none may contain a newline) up to the first that fails. */
  async batch(lines: readonly string[]): Promise<BatchOutcome> {
    const poison = lines.find((l) => LINK_SHOW.test(l) || l.includes('\n'));
    if (poison !== undefined) throw new Error(`ip session: refused line ${JSON.stringify(poison)} (use addr show; one line per command)`);
    const json: string[] = [];
    for (const [i, line] of lines.entries()) {
      let r = await this.send([line]);
      if (r.error !== undefined && STALE_INDEX.test(r.error)) {
        this.retire();
        r = await this.send([line]);
      }
      json.push(...r.json);
      if (r.error !== undefined) return { json, error: r.error.replace(/Command failed -:1$/, `Command failed -:${i + 1}`) };
    }
    return { json };
  }

  private process(): IpProcess {
    if (!this.current?.accepting) this.current = new IpProcess((proc, unrun) => this.exited(proc, unrun));
    return this.current;
  }

  private send(lines: readonly string[]): Promise<BatchOutcome> {
    return this.process().send(lines);
  }

  private retire(): void {
    this.current?.retire();
    this.current = undefined;
  }

  private exited(proc: IpProcess, unrun: Pending[]): void {
    if (this.current === proc) this.current = undefined;
    for (const p of unrun) this.process().enqueue(p);
  }
}
