#!/usr/bin/env node
/* global process */
// The node's CNI daemon process: `nsenter --net=<node netns> -- node daemon-main.mjs SOCKET`.
// Prints "ready" once the socket listens.
import { register } from 'tsx/esm/api';

register();
const { serveCNI } = await import('./daemon.ts');
await serveCNI(process.argv[2]);
process.stdout.write('ready\n');
process.on('SIGTERM', () => process.exit(0));
