/** End to end: `token issue|list|revoke` through the real CLI on a SQLite file (§8, §9). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../shared/adapters/sqlite/sqlite-store';
import { authenticate } from '../../shared/usecases/tokens';

let dir: string;

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
    env: { ...process.env, REBATES_STORE: `sqlite:${join(dir, 'rebates.db')}`, REBATES_RULES: '', REBATES_NOW: '2026-04-20T09:00:00Z' },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, json: () => JSON.parse(result.stdout) };
}

async function partnerOf(token: string): Promise<string | null> {
  const store = createSqliteStore(join(dir, 'rebates.db'));
  try {
    return await authenticate({ store }, token);
  } finally {
    await store.close();
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rebates-cli-token-'));
  expect(cli('partner', 'link', '--partner', 'acme', '--subaccount', 'acc-1', '--from', '2026-01-01').code).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('token commands', () => {
  it('issues a token shown once, lists it without secrets, and revokes it with the audit', async () => {
    const issued = cli('token', 'issue', '--partner', 'acme', '--actor', 'op-anna', '--note', 'portal access', '--json');
    expect(issued.stderr).toBe('');
    expect(issued.code).toBe(0);
    const { token, id } = issued.json();
    expect(token).toMatch(new RegExp(`^${id}\\.[A-Za-z0-9_-]{43}$`));
    expect(await partnerOf(token)).toBe('acme');

    const listed = cli('token', 'list', '--partner', 'acme', '--json');
    expect(listed.json()).toEqual({
      partnerId: 'acme',
      tokens: [{ id, partnerId: 'acme', created: { actor: 'op-anna', at: expect.any(String), note: 'portal access' }, revoked: null }],
    });
    expect(listed.stdout).not.toContain(token.split('.')[1]);

    const revoked = cli('token', 'revoke', '--partner', 'acme', '--token', id, '--actor', 'op-boris', '--note', 'leaked', '--json');
    expect(revoked.code).toBe(0);
    expect(revoked.json().revoked).toMatchObject({ actor: 'op-boris', note: 'leaked' });
    expect(await partnerOf(token)).toBeNull();
    expect(cli('token', 'list', '--partner', 'acme').stdout).toMatch(/revoked[\s\S]*by op-boris/);
  });

  it('rejects revoking twice or for another partner (exit 1) and wrong usage (exit 2)', () => {
    const { id } = cli('token', 'issue', '--partner', 'acme', '--json').json();
    expect(cli('token', 'revoke', '--partner', 'other', '--token', id).code).toBe(1);
    expect(cli('token', 'revoke', '--partner', 'acme', '--token', id).code).toBe(0);
    const again = cli('token', 'revoke', '--partner', 'acme', '--token', id, '--json');
    expect(again.code).toBe(1);
    expect(again.json().error.code).toBe('ALREADY_ENDED');
    expect(cli('token', 'issue', '--partner', 'nobody').code).toBe(1);
    expect(cli('token', 'issue').code).toBe(2);
    expect(cli('token', 'rotate', '--partner', 'acme').code).toBe(2);
  });

  it('prints the token and a sign-in link in the human form', () => {
    const out = cli('token', 'issue', '--partner', 'acme');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/shown once[\s\S]*\n[0-9a-f]{24}\.[A-Za-z0-9_-]{43}\nsign-in link: <portal URL>\/#token=/);
  });
});
