/**
 * What is up, in $PODNET_HOME/dataplane/: state.json (the topology that was built, written before
 * the first namespace is made and updated when `up` finishes), per node CNI conf dir, IPAM data and
 * result cache, and pod server logs. Sockets (BIRD, CNI daemons) live under /run/podnet/<prefix> (short paths).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Topology } from './plan.ts';

export interface ServerRecord {
  /** `ns/name` */
  pod: string;
  pid: number;
  netns: string;
}

export interface DataplaneState {
  version: 1;
  prefix: string;
  /** `creating` until `up` has finished; a crashed `up` leaves it so. */
  phase: 'creating' | 'up';
  startedAt: string;
  /** CNI_PATH the pods were attached with. */
  cniBinDirs: string[];
  topology: Topology;
  servers: ServerRecord[];
  /** Sockets, BIRD configs and control sockets (under /run: socket paths are short). */
  runDir: string;
  /** Node name → the node's CNI daemon socket (podnet's plugins only). */
  cniSockets: Record<string, string>;
}

export class DataplaneLayout {
  constructor(readonly dir: string) {}

  get stateFile(): string {
    return join(this.dir, 'state.json');
  }

  nodeDir(node: string): string {
    return join(this.dir, 'nodes', node);
  }

  confDir(node: string): string {
    return join(this.nodeDir(node), 'net.d');
  }

  ipamDir(node: string): string {
    return join(this.nodeDir(node), 'ipam');
  }

  cacheDir(node: string): string {
    return join(this.nodeDir(node), 'cache');
  }

  logFile(namespace: string, name: string): string {
    return join(this.dir, 'logs', `${namespace}.${name}.log`);
  }

  read(): DataplaneState | undefined {
    if (!existsSync(this.stateFile)) return undefined;
    try {
      return JSON.parse(readFileSync(this.stateFile, 'utf8')) as DataplaneState;
    } catch {
      return undefined;
    }
  }

  /** Atomic replace, so a crash never leaves half a state file. */
  write(state: DataplaneState): void {
    mkdirSync(this.dir, { recursive: true });
    const tmp = `${this.stateFile}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
    renameSync(tmp, this.stateFile);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * Runs `fn` holding the dataplane's state lock (a directory: mkdir is atomic), which every
   * read-modify-write of state.json and the kube-system record takes — node agents and the host
   * link sync change them concurrently. Gives up after about 5 s.
   */
  async withLock<T>(fn: () => T | Promise<T>): Promise<T> {
    const lock = join(this.dir, 'state.lock');
    for (let i = 0; ; i++) {
      try {
        mkdirSync(lock);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        if (i > 250) throw new Error(`the dataplane state lock ${lock} has been held for over 5 s (left by a killed process? remove it)`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    try {
      return await fn();
    } finally {
      rmdirSync(lock);
    }
  }
}

/** Where sockets go (BIRD control, CNI daemons): sun_path holds 108 bytes, so not under an arbitrary $PODNET_HOME. */
export function runDir(prefix: string): string {
  return `/run/podnet/${prefix}`;
}
