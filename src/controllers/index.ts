export type { Controller, ReconcileContext } from './context.ts';
export { PIPELINE, reconcile } from './reconcile.ts';
export { applyObjects, deleteObjects, reconcileStore, type ApplyAction, type ApplyResult, type ApplyOptions } from './apply.ts';
