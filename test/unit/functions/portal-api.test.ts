/**
 * portal-api: every route and every refusal, driven with API Gateway (payload 0.1) events built
 * from the fixture file, over a real SQLite store holding two partners and a subaccount that
 * moved between them mid-quarter (test/support/portal-fixture.ts).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handlePortalRequest, type PortalDeps } from '../../../shared/portal/portal-api';
import { readPageFiles } from '../../../shared/portal/page-assets';
import type { Store } from '../../../shared/ports/store';
import { createLogger } from '../../../shared/runtime/logger';
import { revokeToken } from '../../../shared/usecases/tokens';
import { A, B, createPortalFixture, type PortalFixture } from '../../support/portal-fixture';

const FIXTURE = JSON.parse(readFileSync(new URL('../../fixtures/events/portal-http-get.json', import.meta.url), 'utf8')) as Record<
  string,
  unknown
>;

let fx: PortalFixture;
let logs: string[];
let deps: PortalDeps;

/** The fixture event for `url` (path?query), with this Authorization header (none when null). */
function event(url: string, authorization: string | null, method = 'GET'): Record<string, unknown> {
  const [path, query = ''] = url.split('?');
  const headers = { ...(FIXTURE['headers'] as Record<string, string>) };
  delete headers['Authorization'];
  if (authorization !== null) headers['Authorization'] = authorization;
  return { ...FIXTURE, httpMethod: method, url, path, headers, queryStringParameters: Object.fromEntries(new URLSearchParams(query)) };
}

const bearer = (partnerId: string) => `Bearer ${fx.tokens[partnerId]}`;

async function call(url: string, authorization: string | null = bearer(A), method = 'GET', over: Partial<PortalDeps> = {}) {
  const response = await handlePortalRequest({ ...deps, ...over }, event(url, authorization, method));
  const body = response.headers['content-type']?.startsWith('application/json') ? JSON.parse(response.body) : response.body;
  return { status: response.statusCode, headers: response.headers, body, raw: response.body };
}

/** A refusal: the status, `{"error":{"code","message"}}` only, and nothing internal in it. */
async function refused(url: string, status: number, code: string, authorization: string | null = bearer(A), method = 'GET') {
  const r = await call(url, authorization, method);
  expect(r.status).toBe(status);
  expect(Object.keys(r.body)).toEqual(['error']);
  expect(Object.keys(r.body.error)).toEqual(['code', 'message']);
  expect(r.body.error.code).toBe(code);
  expect(r.raw).not.toMatch(/\bat .*\.ts:\d+|SELECT |INSERT |sqlite|StoreError|partner-b\/|run-|id-\d/i);
  return r.body.error.message as string;
}

beforeAll(async () => {
  fx = await createPortalFixture();
  logs = [];
  deps = { ...fx.deps, logger: createLogger({ level: 'debug', write: (line) => logs.push(line) }), pageFiles: readPageFiles() };
});
afterAll(() => fx.cleanup());

describe("portal-api routes for the token's partner", () => {
  it('GET /v1/balance: the balance per currency, money as decimal strings beside the currency', async () => {
    const r = await call('/v1/balance');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      partnerId: A,
      balances: [
        { currency: 'RUB', amount: '39.00' },
        { currency: 'USD', amount: '3.00' },
      ],
    });
    expect((await call('/v1/balance', bearer(B))).body).toEqual({ partnerId: B, balances: [{ currency: 'RUB', amount: '25.50' }] });
  });

  it('GET /v1/ledger: entries newest first, and paging with the opaque cursor returns each exactly once', async () => {
    const all = await call('/v1/ledger');
    expect(all.status).toBe(200);
    expect(all.body.entries.map((e: Record<string, string>) => `${e.quarter} ${e.kind} ${e.amount} ${e.currency} ${e.postedAt}`)).toEqual([
      '2026-Q1 adjustment 3.00 RUB 2026-04-15T03:00:00.000Z',
      '2026-Q1 accrual 3.00 USD 2026-04-01T03:00:00.000Z',
      '2026-Q1 accrual 36.00 RUB 2026-04-01T03:00:00.000Z',
    ]);
    expect(all.body.nextCursor).toBeNull();
    expect(Object.keys(all.body.entries[0])).toEqual(['quarter', 'specialization', 'kind', 'amount', 'currency', 'seq', 'postedAt']);

    const paged: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { entries: unknown[]; nextCursor: string | null } } = await call(
        `/v1/ledger?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.entries).toHaveLength(1);
      paged.push(...page.body.entries);
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    expect(paged).toEqual(all.body.entries);
  });

  it('GET /v1/quarters: accrued, adjusted and total per quarter and currency', async () => {
    const r = await call('/v1/quarters');
    expect(r.status).toBe(200);
    expect(r.body.quarters).toEqual([
      { quarter: '2026-Q1', currency: 'RUB', accrued: '36.00', adjusted: '3.00', withdrawn: '0.00', total: '39.00' },
      { quarter: '2026-Q1', currency: 'USD', accrued: '3.00', adjusted: '0.00', withdrawn: '0.00', total: '3.00' },
    ]);
  });

  it('GET /v1/quarters/{quarter}: the R11 breakdown with the entries posted for it', async () => {
    const r = await call('/v1/quarters/2026-Q1');
    expect(r.status).toBe(200);
    expect(r.body.rounding).toEqual({ scale: 2, mode: 'half-up' });
    const rub = r.body.lines.find((l: { currency: string }) => l.currency === 'RUB');
    expect(rub).toMatchObject({
      specialization: 'infrastructure-devops',
      base: '1300.00',
      amount: '39.00',
      posted: '39.00',
      pending: '0.00',
    });
    expect(rub.details).toEqual([
      {
        subaccountId: 'sub-a',
        serviceId: 'dn22pas77ftg9h3f2djj',
        serviceName: 'Compute Cloud',
        rulesVersion: '2023-01-01',
        rate: '0.03',
        base: '1100.00',
        share: '33.00',
        currency: 'RUB',
      },
      {
        subaccountId: 'sub-move',
        serviceId: 'dn22pas77ftg9h3f2djj',
        serviceName: 'Compute Cloud',
        rulesVersion: '2023-01-01',
        rate: '0.03',
        base: '200.00',
        share: '6.00',
        currency: 'RUB',
      },
    ]);
    expect(r.body.entries.map((e: Record<string, string>) => `${e.kind} ${e.amount} ${e.currency}`)).toEqual([
      'accrual 36.00 RUB',
      'adjustment 3.00 RUB',
      'accrual 3.00 USD',
    ]);
  });

  it('GET /v1/current: the running quarter through yesterday (UTC+3), marked as a preview and not in the balance', async () => {
    const before = (await call('/v1/balance')).body;
    const r = await call('/v1/current');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      partnerId: A,
      preview: true,
      includedInBalance: false,
      quarter: '2026-Q2',
      from: '2026-04-01',
      through: '2026-04-19',
      lines: [{ specialization: 'infrastructure-devops', currency: 'RUB', base: '100.00', amount: '3.00' }],
      totals: [{ currency: 'RUB', amount: '3.00' }],
    });
    expect((await call('/v1/balance')).body).toEqual(before);
    // B has no usage in the running quarter: an empty preview, not A's.
    expect((await call('/v1/current', bearer(B))).body).toMatchObject({ partnerId: B, lines: [], totals: [] });
  });

  it('GET /v1/current on the first day of a quarter: nothing through yesterday yet', async () => {
    const r = await call('/v1/current', bearer(A), 'GET', { clock: () => new Date('2026-06-30T21:30:00Z') }); // 2026-07-01 00:30 in Moscow
    expect(r.body).toMatchObject({ quarter: '2026-Q3', through: null, lines: [], totals: [] });
  });

  it('serves the page and its assets at GET / without a token, with a CSP that allows only its own files', async () => {
    for (const [url, type] of [
      ['/', 'text/html'],
      ['/index.html', 'text/html'],
      ['/app.js', 'text/javascript'],
      ['/app.css', 'text/css'],
    ] as const) {
      const r = await call(url, null);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toContain(type);
      expect(r.headers['content-security-policy']).toContain("script-src 'self'");
    }
    expect((await call('/', null)).raw).toContain('<title>Rebate accrual balance</title>');
  });

  it('routes on the real URL when the gateway passes a path template in `path`', async () => {
    const response = await handlePortalRequest(deps, { ...event('/v1/balance', bearer(B)), path: '/{proxy+}' });
    expect(JSON.parse(response.body)).toMatchObject({ partnerId: B });
  });
});

describe("portal-api never returns another partner's data", () => {
  it('a query naming another partner is 403, with the same words whether that partner exists or not', async () => {
    const existing = await refused(`/v1/balance?partner=${B}`, 403, 'forbidden');
    const unknown = await refused('/v1/balance?partner=partner-zzz', 403, 'forbidden');
    expect(existing).toBe(unknown);
    for (const route of ['/v1/ledger', '/v1/quarters', '/v1/quarters/2026-Q1', '/v1/current'])
      await refused(`${route}?partner=${B}`, 403, 'forbidden');
    expect((await call(`/v1/balance?partner=${A}`)).body.partnerId).toBe(A);
  });

  it('a path naming another partner is 404, like any unknown path', async () => {
    const named = await refused(`/v1/partners/${B}/balance`, 404, 'not_found');
    expect(await refused('/v1/partners/partner-zzz/balance', 404, 'not_found')).toBe(named);
    await refused(`/v1/balance/${B}`, 404, 'not_found');
  });

  it('a token of partner A on a quarter only B has is 404; B gets it', async () => {
    await refused('/v1/quarters/2025-Q4', 404, 'not_found');
    const b = await call('/v1/quarters/2025-Q4', bearer(B));
    expect(b.status).toBe(200);
    expect(b.body.lines.map((l: { amount: string }) => l.amount)).toEqual(['1.50']);
  });

  it('a subaccount that moved from A to B mid-quarter: each side sees only its own days', async () => {
    const detailOf = async (partnerId: string) =>
      (await call('/v1/quarters/2026-Q1', bearer(partnerId))).body.lines
        .flatMap((l: { details: { subaccountId: string; base: string }[] }) => l.details)
        .filter((d: { subaccountId: string }) => d.subaccountId === 'sub-move');
    expect((await detailOf(A)).map((d: { base: string }) => d.base)).toEqual(['200.00']); // Feb 1, linked to A
    expect((await detailOf(B)).map((d: { base: string }) => d.base)).toEqual(['500.00']); // Mar 1, linked to B
    const b = await call('/v1/quarters/2026-Q1', bearer(B));
    expect(b.body.lines.map((l: { base: string; amount: string }) => `${l.base} ${l.amount}`)).toEqual(['800.00 24.00']);
    expect(JSON.stringify(b.body)).not.toContain('sub-a');
  });

  it("the ledger and quarters of B hold none of A's entries, and a cursor from A's pages reads B's own ledger", async () => {
    const ledgerB = (await call('/v1/ledger', bearer(B))).body;
    expect(ledgerB.entries.map((e: Record<string, string>) => `${e.quarter} ${e.amount}`)).toEqual(['2026-Q1 24.00', '2025-Q4 1.50']);
    const cursorFromA = (await call('/v1/ledger?limit=1')).body.nextCursor as string;
    const withForeignCursor = (await call(`/v1/ledger?cursor=${cursorFromA}`, bearer(B))).body;
    for (const e of withForeignCursor.entries) expect(ledgerB.entries).toContainEqual(e);
    expect((await call('/v1/quarters', bearer(B))).body.quarters.map((q: { quarter: string }) => q.quarter)).toEqual([
      '2025-Q4',
      '2026-Q1',
    ]);
  });
});

describe('portal-api refusals', () => {
  it('401 without a token, with a malformed header, an unknown, a tampered or a revoked token', async () => {
    const [id, secret] = fx.tokens[A]!.split('.') as [string, string];
    const otherSecret = fx.tokens[B]!.split('.')[1]!;
    for (const authorization of [
      null,
      'Basic dXNlcjpwYXNz',
      'Bearer',
      'Bearer not-a-token',
      `Bearer ${'0'.repeat(24)}.${secret}`,
      `Bearer ${id}.${otherSecret}`,
      `Bearer ${id}.${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`,
    ]) {
      await refused('/v1/balance', 401, 'unauthorized', authorization);
    }
    const r = await call('/v1/balance', null);
    expect(r.headers['www-authenticate']).toMatch(/^Bearer /);
  });

  it('401 once the token is revoked, for every route', async () => {
    const store: Store = fx.store;
    const { issueToken } = await import('../../../shared/usecases/tokens');
    const issued = await issueToken({ store, clock: fx.deps.clock }, { partnerId: A, actor: 'op', note: 'to revoke' });
    if (!issued.ok) throw new Error(issued.message);
    expect((await call('/v1/balance', `Bearer ${issued.token}`)).status).toBe(200);
    const revoked = await revokeToken(
      { store, clock: fx.deps.clock },
      { partnerId: A, tokenId: issued.info.id, actor: 'op', note: 'leaked' },
    );
    expect(revoked.ok).toBe(true);
    for (const route of ['/v1/balance', '/v1/ledger', '/v1/quarters', '/v1/quarters/2026-Q1', '/v1/current'])
      await refused(route, 401, 'unauthorized', `Bearer ${issued.token}`);
  });

  it('400 for a malformed quarter, limit, cursor or an unknown query parameter', async () => {
    await refused('/v1/quarters/2026-Q5', 400, 'bad_request');
    await refused('/v1/quarters/not-a-quarter', 400, 'bad_request');
    await refused('/v1/quarters/%E0%A4%A', 400, 'bad_request');
    for (const limit of ['0', '201', 'abc', '-1', '1.5']) await refused(`/v1/ledger?limit=${limit}`, 400, 'bad_request');
    await refused('/v1/ledger?cursor=bm90LWEtY3Vyc29y', 400, 'bad_request');
    await refused('/v1/ledger?cursor=%%%', 400, 'bad_request');
    expect(await refused('/v1/balance?currency=RUB', 400, 'bad_request')).toContain('currency');
  });

  it('400 for an event that is not an HTTP request', async () => {
    for (const bad of [{}, null, 'GET /', { messages: [] }, { httpMethod: 5 }]) {
      const response = await handlePortalRequest(deps, bad);
      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body)).toEqual({ error: { code: 'bad_request', message: 'not an HTTP request' } });
    }
  });

  it('404 for an unknown path and for the running or a future quarter (with a pointer to /v1/current)', async () => {
    await refused('/v2/balance', 404, 'not_found');
    await refused('/v1', 404, 'not_found');
    expect(await refused('/v1/quarters/2026-Q2', 404, 'not_found')).toContain('/v1/current');
    await refused('/v1/quarters/2027-Q1', 404, 'not_found');
    await refused('/v1/quarters/2020-Q1', 404, 'not_found');
  });

  it('405 for any method but GET, with Allow: GET, on the API and on the page', async () => {
    for (const [url, method] of [
      ['/v1/balance', 'POST'],
      ['/v1/ledger', 'DELETE'],
      ['/v1/quarters/2026-Q1', 'PUT'],
      ['/', 'POST'],
    ] as const) {
      await refused(url, 405, 'method_not_allowed', bearer(A), method);
      expect((await call(url, bearer(A), method)).headers['allow']).toBe('GET');
    }
  });

  it('500 without internals when the store fails; the cause goes to the log', async () => {
    const failing: Store = {
      ...fx.store,
      ledger: {
        ...fx.store.ledger,
        listEntries: () => Promise.reject(new Error('SQLITE_IOERR: disk I/O error in SELECT * FROM ledger_entries')),
      },
    };
    logs.length = 0;
    const r = await call('/v1/balance', bearer(A), 'GET', { store: failing });
    expect(r.status).toBe(500);
    expect(r.body).toEqual({ error: { code: 'internal', message: 'something went wrong on our side; try again later' } });
    expect(logs.join('\n')).toContain('SQLITE_IOERR');
  });

  it('logs carry no token', async () => {
    logs.length = 0;
    await call('/v1/balance');
    await call('/v1/balance', 'Bearer wrong.token');
    const secret = fx.tokens[A]!.split('.')[1]!;
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join('\n')).not.toContain(secret);
  });
});
