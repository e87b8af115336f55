export * from './config.ts';
export * from './object-set.ts';
export * from './store.ts';
export { FileBackend } from './file-backend.ts';
export { ClusterView, podIPs } from './view.ts';
