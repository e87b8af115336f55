/**
 * The protobuf schema podnet decodes with: the .proto files in ./schema (upstream's field names,
 * numbers and types for the served kinds and what they contain, plus podnet's JSON annotations),
 * parsed once by protobufjs on first use.
 */
import { readdirSync, readFileSync } from 'node:fs';
import protobuf from 'protobufjs';

const DIR = new URL('./schema/', import.meta.url);

let root: protobuf.Root | undefined;

export function loadSchema(): protobuf.Root {
  if (root) return root;
  const r = new protobuf.Root();
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.proto')).sort()) {
    protobuf.parse(readFileSync(new URL(file, DIR), 'utf8'), r, { keepCase: true });
  }
  r.resolveAll();
  root = r;
  return r;
}
