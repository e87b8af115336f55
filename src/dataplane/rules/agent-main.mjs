#!/usr/bin/env node
/* global process */
// A node's rules agent: `nsenter --net=<node netns> -- node agent-main.mjs CONFIG`.
// Prints "ready" after the first sync, "error: …" when it failed.
import { register } from 'tsx/esm/api';

register();
const { rulesAgentMain } = await import('./agent-daemon.ts');
await rulesAgentMain(process.argv[2]);
