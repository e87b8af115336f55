/**
 * Server-side printing: meta.k8s.io Table responses for `Accept: …;as=Table`, with the same columns the
 * CLI prints (cli/printers/columns.ts). Wide-only columns carry priority 1, so kubectl shows them with
 * `-o wide` only; each row carries the object's metadata (PartialObjectMetadata) for `-A` and
 * `--show-labels`.
 */
import type { KObject } from '../api/types.ts';
import { COLUMNS, humanAge, type Columns } from '../cli/printers/columns.ts';
import type { ServedResource } from './resources.ts';

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRow {
  cells: unknown[];
  object?: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: string;
  metadata: { resourceVersion?: string; continue?: string };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

/** `includeObject`: what each row embeds (kubectl asks for the default, Metadata). */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

type RowColumns = Columns<KObject>;

/** kubectl get events: the columns of its event printer. */
const EVENT_COLUMNS: RowColumns = {
  headers: ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'],
  wideHeaders: ['SOURCE', 'FIRST SEEN', 'COUNT', 'NAME'],
  row: (o, now) => {
    const e = o as KObject & { lastTimestamp?: string; type?: string; reason?: string; message?: string; involvedObject?: { kind?: string; name?: string } };
    return [humanAge(e.lastTimestamp ?? o.metadata.creationTimestamp, now), e.type ?? '', e.reason ?? '', `${(e.involvedObject?.kind ?? '').toLowerCase()}/${e.involvedObject?.name ?? ''}`, e.message ?? ''];
  },
  wideRow: (o) => {
    const e = o as KObject & { source?: { component?: string }; firstTimestamp?: string; count?: number };
    return [e.source?.component ?? '', humanAge(e.firstTimestamp, new Date()), String(e.count ?? 1), o.metadata.name];
  },
};

/** What the API server prints for kinds without a printer: the name and the age. */
const DEFAULT_COLUMNS: RowColumns = { headers: ['NAME', 'AGE'], row: (o, now) => [o.metadata.name, humanAge(o.metadata.creationTimestamp, now)] };

function columnsFor(kind: string): RowColumns {
  if (kind === 'Event') return EVENT_COLUMNS;
  return (COLUMNS[kind] as unknown as RowColumns | undefined) ?? DEFAULT_COLUMNS;
}

const KEEP_UPPER = new Set(['IP', 'IPS', 'CIDR']);

/** `NOMINATED NODE` → `Nominated Node`, `CLUSTER-IP` → `Cluster-IP`: the API server's column names. */
export function columnName(header: string): string {
  return header
    .split(/([ -])/)
    .map((w) => (w === ' ' || w === '-' || KEEP_UPPER.has(w) ? w : w.charAt(0) + w.slice(1).toLowerCase()))
    .join('');
}

function definitions(cols: RowColumns): TableColumnDefinition[] {
  const def = (h: string, priority: number): TableColumnDefinition => ({
    name: columnName(h),
    type: 'string',
    format: h === 'NAME' ? 'name' : '',
    description: h === 'NAME' ? 'Name must be unique within a namespace.' : columnName(h),
    priority,
  });
  return [...cols.headers.map((h) => def(h, 0)), ...(cols.wideHeaders ?? []).map((h) => def(h, 1))];
}

function partialObjectMetadata(o: KObject, tableVersion: string): unknown {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${tableVersion}`, metadata: o.metadata };
}

export interface TableOptions {
  version: 'v1' | 'v1beta1';
  includeObject: IncludeObject;
  /** Omit column definitions (watch events after the first, `noHeaders`). */
  noHeaders?: boolean;
  resourceVersion?: string;
  now?: Date;
}

/** Converts objects of one resource into a Table. */
export function toTable(resource: ServedResource, objects: readonly KObject[], opts: TableOptions): Table {
  const cols = columnsFor(resource.kind);
  const now = opts.now ?? new Date();
  const rows = objects.map((o): TableRow => {
    const cells: unknown[] = [...cols.row(o, now), ...(cols.wideHeaders && cols.wideRow ? cols.wideRow(o) : [])];
    const object = opts.includeObject === 'None' ? undefined : opts.includeObject === 'Object' ? o : partialObjectMetadata(o, opts.version);
    return object === undefined ? { cells } : { cells, object };
  });
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${opts.version}`,
    metadata: opts.resourceVersion !== undefined ? { resourceVersion: opts.resourceVersion } : {},
    columnDefinitions: opts.noHeaders ? [] : definitions(cols),
    rows,
  };
}

export function parseIncludeObject(value: string | null): IncludeObject {
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}
