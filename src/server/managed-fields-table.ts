/**
 * Where field managers are kept: beside the Store rather than in it, keyed by object key and uid (an
 * object deleted and created again starts with no managers). The Store compares objects without
 * managedFields, so ownership changes never bump a resourceVersion on their own — as upstream, where a
 * no-op apply leaves the object untouched. Optionally persisted as one JSON file in the state dir.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { KObject } from '../api/types.ts';
import type { ManagedFieldsEntry } from './managed-fields.ts';

interface Row {
  uid: string;
  entries: ManagedFieldsEntry[];
}

export class ManagedFieldsTable {
  private rows = new Map<string, Row>();
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;

  /** `file`: where to persist (written at most every 200 ms and on flush); none = memory only. */
  constructor(private readonly file?: string) {
    if (file && existsSync(file)) {
      try {
        this.rows = new Map(Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, Row>));
      } catch {
        this.rows = new Map(); // a torn file loses ownership records only, never objects
      }
    }
  }

  entries(key: string, uid: string | undefined): ManagedFieldsEntry[] {
    const row = this.rows.get(key);
    return row && row.uid === (uid ?? '') ? row.entries : [];
  }

  set(key: string, uid: string, entries: ManagedFieldsEntry[]): void {
    if (!entries.length) {
      if (this.rows.delete(key)) this.touch();
      return;
    }
    this.rows.set(key, { uid, entries });
    this.touch();
  }

  delete(key: string): void {
    if (this.rows.delete(key)) this.touch();
  }

  /** The object as clients see it: with its managedFields when it has any. */
  decorate(key: string, obj: KObject): KObject {
    const entries = this.entries(key, obj.metadata.uid);
    if (!entries.length) return obj;
    return { ...obj, metadata: { ...obj.metadata, managedFields: entries } };
  }

  private touch(): void {
    if (!this.file) return;
    this.dirty = true;
    this.timer ??= setTimeout(() => this.flush(), 200);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.file || !this.dirty) return;
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.rows)));
    renameSync(tmp, this.file);
    this.dirty = false;
  }
}
