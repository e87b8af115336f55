/**
 * @module server/ui-api — the web UI's backend: a small JSON API over the models (topology, policy
 * matrix, flow explanations, what-if diff and apply) plus the static bundle, as a mountable handler.
 */
export { UIHandler, type UIHandlerOptions } from './handler.ts';
export { startUIServer, type UIServer } from './ui-server.ts';
export { memorySource, persistedSource, type ClusterSource } from './source.ts';
export { ensureBundle, bundleCurrent, DIST_DIR, REPO_ROOT, WEB_DIR } from './bundle.ts';
export type * from './api-types.ts';
