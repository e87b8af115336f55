/**
 * Watch: a chunked `200 application/json` stream of `{"type","object"}` lines, as the API server sends
 * it. `resourceVersion` unset or "0" starts with ADDED for every current object; N replays the
 * store's kept events after N (older than the kept window: one ERROR event, 410 Expired). Selectors
 * filter per event, and an object that stops (starts) matching is seen as DELETED (ADDED).
 * `allowWatchBookmarks` adds BOOKMARK events carrying the current resourceVersion;
 * `sendInitialEvents=true` ends the initial ADDED batch with the `k8s.io/initial-events-end` bookmark.
 * Headers are flushed before the first event: kubectl wait blocks otherwise.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KObject } from '../api/types.ts';
import { keyOf } from '../cluster/object-set.ts';
import { ExpiredError, type WatchEvent } from '../cluster/store.ts';
import type { Representation } from './media.ts';
import { apiVersionOfResource, type ServedResource } from './resources.ts';
import { expired } from './status.ts';
import { toTable, type IncludeObject } from './table.ts';

export interface WatchSource {
  /** Current revision of the store. */
  revision(): number;
  /** Objects of the resource in scope, current state. */
  current(): KObject[];
  /** Subscribes from `since` (exclusive); throws ExpiredError when that is too old. */
  subscribe(since: number, listener: (e: WatchEvent, revision: number) => void): () => void;
  /** What clients see of a stored object (apiVersion of the request, managedFields). */
  present(o: KObject): KObject;
}

export interface WatchRequest {
  resource: ServedResource;
  /** True when the object is in the watched scope (namespace, name, selectors). */
  matches(o: KObject): boolean;
  /** True when the object is of this resource and namespace, ignoring selectors. */
  inScope(o: KObject): boolean;
  resourceVersion: string | null;
  sendInitialEvents: boolean;
  allowBookmarks: boolean;
  timeoutSeconds: number;
  representation: Representation;
  includeObject: IncludeObject;
  /** Interval between bookmarks (tests shorten it). */
  bookmarkIntervalMs: number;
}

export function serveWatch(req: IncomingMessage, res: ServerResponse, source: WatchSource, w: WatchRequest, onClose: (fn: () => void) => void): void {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  const asTable = w.representation.as === 'Table' ? w.representation : undefined;
  let first = true;
  const encode = (type: string, obj: KObject): string => {
    if (!asTable || type === 'BOOKMARK' || type === 'ERROR') return JSON.stringify({ type, object: obj });
    const table = toTable(w.resource, [obj], { version: asTable.version, includeObject: w.includeObject, noHeaders: !first, resourceVersion: obj.metadata.resourceVersion });
    first = false;
    return JSON.stringify({ type, object: table });
  };
  let closed = false;
  const send = (type: string, obj: KObject): void => {
    if (!closed) res.write(`${encode(type, obj)}\n`);
  };
  const bookmark = (rv: string, initialEnd = false): void => {
    const object = {
      kind: w.resource.kind,
      apiVersion: apiVersionOfResource(w.resource),
      metadata: { resourceVersion: rv, ...(initialEnd ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}) },
    } as KObject;
    send('BOOKMARK', object);
  };

  const visible = new Set<string>();
  const deliver = (e: WatchEvent): void => {
    if (!w.inScope(e.object)) return;
    const key = keyOf(e.object);
    const obj = source.present(e.object);
    const matches = e.type !== 'DELETED' && w.matches(e.object);
    if (e.type === 'DELETED') {
      if (visible.delete(key) || w.matches(e.object)) send('DELETED', obj);
    } else if (matches) {
      send(e.type === 'MODIFIED' && visible.has(key) ? 'MODIFIED' : 'ADDED', obj);
      visible.add(key);
    } else if (visible.delete(key)) {
      send('DELETED', obj);
    }
  };

  const rv = w.resourceVersion;
  let since: number;
  if (rv === null || rv === '' || rv === '0' || w.sendInitialEvents) {
    since = source.revision();
    for (const o of source.current()) {
      if (!w.matches(o)) continue;
      visible.add(keyOf(o));
      send('ADDED', source.present(o));
    }
    if (w.sendInitialEvents && w.allowBookmarks) bookmark(String(since), true);
  } else {
    since = Number(rv);
    for (const o of source.current()) if (w.matches(o)) visible.add(keyOf(o));
  }

  let unsubscribe: () => void = () => {};
  try {
    if (!Number.isInteger(since) || since < 0) throw new ExpiredError(since, source.revision());
    unsubscribe = source.subscribe(since, (e) => deliver(e));
  } catch (err) {
    if (!(err instanceof ExpiredError)) throw err;
    const status = expired(`too old resource version: ${rv} (${source.revision()})`).toStatus();
    res.end(`${JSON.stringify({ type: 'ERROR', object: status })}\n`);
    return;
  }

  const timers: NodeJS.Timeout[] = [];
  const finish = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe();
    for (const t of timers) clearTimeout(t);
    res.end();
  };
  if (w.allowBookmarks) {
    const t = setInterval(() => bookmark(String(source.revision())), w.bookmarkIntervalMs);
    t.unref();
    timers.push(t);
  }
  if (w.timeoutSeconds > 0) {
    const t = setTimeout(finish, w.timeoutSeconds * 1000);
    t.unref();
    timers.push(t);
  }
  req.on('close', finish);
  res.on('close', finish);
  onClose(finish);
}
