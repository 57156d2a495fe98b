/**
 * The adapter uses ydb-sdk's public API, with one exception: `guardSessionPrepopulation` patches
 * the private `TableSessionPool.prepopulateSessions` (it creates sessions from the constructor and
 * drops the promise, so a failed discovery becomes an unhandled rejection that ends the process).
 * There is no public switch: `poolSettings.minLimit` falls back to the default with `||`, so 0
 * cannot turn it off. These tests fail loudly when the SDK changes, so the patch is reviewed
 * (and dropped if a public switch appears).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as sdk from 'ydb-sdk';
import { guardSessionPrepopulation } from '../../shared/adapters/ydb/sdk';

const sdkRoot = resolve(import.meta.dirname, '../../node_modules/ydb-sdk');
const poolSource = readFileSync(join(sdkRoot, 'build/cjs/src/table/table-session-pool.js'), 'utf8');
const REVIEWED = '5.11.1';

describe('the one private ydb-sdk member the adapter touches', () => {
  it(`is reviewed for ydb-sdk ${REVIEWED}; another version must be reviewed before this passes`, () => {
    const version = (JSON.parse(readFileSync(join(sdkRoot, 'package.json'), 'utf8')) as { version: string }).version;
    expect(
      version,
      `ydb-sdk is ${version}: review guardSessionPrepopulation in shared/adapters/ydb/sdk.ts (is there a public switch now?) and update REVIEWED`,
    ).toBe(REVIEWED);
  });

  it('still has no public switch: minLimit 0 falls back to the default, and the constructor prepopulates without a catch', () => {
    expect(poolSource).toMatch(/this\.minLimit = \(poolSettings[^;]*\.minLimit\) \|\| TableSessionPool\.SESSION_MIN_LIMIT;/);
    expect(poolSource).toMatch(/this\.prepopulateSessions\(\);\s*\}/);
    expect(poolSource).toMatch(
      /prepopulateSessions\(\) \{\s*lodash_1\.default\.forEach\(lodash_1\.default\.range\(this\.minLimit\), \(\) => this\.createSession\(\)\);\s*\}/,
    );
  });

  it('patches exactly the members it names, so the pool still creates sessions the normal way', () => {
    const pool = (sdk as unknown as { TableSessionPool: { prototype: Record<string, unknown> } }).TableSessionPool.prototype;
    expect(typeof pool['createSession']).toBe('function');
    expect(typeof pool['acquire']).toBe('function');

    guardSessionPrepopulation();

    const patched = String(pool['prepopulateSessions']);
    expect(patched).toContain('.catch(');
    expect(patched).toContain('createSession');
  });
});
