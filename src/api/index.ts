export * from './types.ts';
export * from './kinds.ts';
export * from './errors.ts';
export * from './decode.ts';
export * from './cidr.ts';
export * from './selector.ts';
export { defaultObject } from './defaults.ts';
export { validateObjects, validateObjectUpdates, type ValidationContext } from './validate.ts';
export * from './base64.ts';
