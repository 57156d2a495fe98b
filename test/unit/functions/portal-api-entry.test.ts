/**
 * The exported entry points of functions/portal-api/handler.ts, as Cloud Functions calls them:
 * `handler` behind API Gateway and `authorize` as its function authorizer, configured from the
 * environment (a SQLite store file here; YDB in the cloud).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { A, B, createPortalFixture, type PortalFixture } from '../../support/portal-fixture';

const FIXTURE = JSON.parse(readFileSync(new URL('../../fixtures/events/portal-http-get.json', import.meta.url), 'utf8')) as {
  headers: Record<string, string>;
};
const withAuth = (authorization: string | undefined, url = '/v1/balance') => {
  const headers = { ...FIXTURE.headers };
  if (authorization === undefined) delete headers['Authorization'];
  else headers['Authorization'] = authorization;
  return { ...FIXTURE, url, path: url, headers };
};

let fx: PortalFixture;
let entry: typeof import('../../../functions/portal-api/handler');
const saved = { store: process.env['REBATES_STORE'], rules: process.env['REBATES_RULES'], level: process.env['LOG_LEVEL'] };

beforeAll(async () => {
  fx = await createPortalFixture();
  process.env['REBATES_STORE'] = `sqlite:${fx.dir}/rebates.db`;
  delete process.env['REBATES_RULES'];
  process.env['LOG_LEVEL'] = 'error';
  entry = await import('../../../functions/portal-api/handler');
});
afterAll(async () => {
  for (const [key, value] of [
    ['REBATES_STORE', saved.store],
    ['REBATES_RULES', saved.rules],
    ['LOG_LEVEL', saved.level],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await fx.cleanup();
});

describe('portal-api entry points', () => {
  it("handler answers the gateway event for the token's partner", async () => {
    const response = await entry.handler(withAuth(`Bearer ${fx.tokens[B]}`), { requestId: 'req-1' });
    expect(response).toMatchObject({ statusCode: 200, isBase64Encoded: false });
    expect(JSON.parse(response.body)).toEqual({ partnerId: B, balances: [{ currency: 'RUB', amount: '25.50' }] });
  });

  it('handler ignores what an authorizer context claims and uses the token it was sent', async () => {
    // The fixture's requestContext.authorizer says partner-a; the token is B's.
    const response = await entry.handler(withAuth(`Bearer ${fx.tokens[B]}`), { requestId: 'req-2' });
    expect(JSON.parse(response.body).partnerId).toBe(B);
    expect((await entry.handler(withAuth(undefined), { requestId: 'req-3' })).statusCode).toBe(401);
  });

  it('handler serves the page', async () => {
    const response = await entry.handler(withAuth(undefined, '/'), { requestId: 'req-4' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Rebate accrual balance');
  });

  it('authorize returns the partner as context for a valid token and refuses anything else', async () => {
    expect(await entry.authorize(withAuth(`Bearer ${fx.tokens[A]}`), { requestId: 'req-5' })).toEqual({
      isAuthorized: true,
      context: { partnerId: A },
    });
    expect(await entry.authorize(withAuth(`Bearer ${fx.tokens[A]!.slice(0, -2)}zz`), { requestId: 'req-6' })).toEqual({
      isAuthorized: false,
    });
    expect(await entry.authorize(withAuth(undefined), { requestId: 'req-7' })).toEqual({ isAuthorized: false });
    expect(await entry.authorize({ not: 'an http event' }, { requestId: 'req-8' })).toEqual({ isAuthorized: false });
  });
});
