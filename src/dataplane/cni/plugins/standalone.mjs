#!/usr/bin/env node
/* global process */
// Runs one podnet CNI plugin as its own process: `node standalone.mjs NAME` (the bin/ shims use it
// when no node CNI daemon is available).
import { register } from 'tsx/esm/api';

register();
const { runStandalone } = await import('./registry.ts');
await runStandalone(process.argv[2]);
