/** The HTTP edge helpers: where the path and query come from in a payload 0.1 event. */
import { describe, expect, it } from 'vitest';
import { header, queryParams, requestPath, type HttpEvent } from '../../../shared/portal/http';
import { decodeCursor, encodeCursor } from '../../../shared/portal/ledger-cursor';

const ev = (over: Partial<HttpEvent>): HttpEvent => ({ httpMethod: 'GET', ...over });

describe('portal HTTP edge', () => {
  it('takes the path from url (the real one) over path (possibly a template), without query or fragment', () => {
    expect(requestPath(ev({ url: '/v1/quarters/2026-Q1?x=1', path: '/v1/quarters/{quarter}' }))).toBe('/v1/quarters/2026-Q1');
    expect(requestPath(ev({ url: 'https://gw.example/v1/balance#top' }))).toBe('/v1/balance');
    expect(requestPath(ev({ path: '/v1/balance' }))).toBe('/v1/balance');
    expect(requestPath(ev({}))).toBe('/');
  });

  it('reads query parameters from the gateway map, else from the url', () => {
    expect(queryParams(ev({ url: '/v1/ledger?limit=5', queryStringParameters: { limit: '7' } }))).toEqual({ limit: '7' });
    expect(queryParams(ev({ url: '/v1/ledger?limit=5&cursor=abc' }))).toEqual({ limit: '5', cursor: 'abc' });
    expect(queryParams(ev({ url: '/v1/ledger' }))).toEqual({});
  });

  it('finds headers whatever their case', () => {
    expect(header(ev({ headers: { Authorization: 'Bearer x' } }), 'authorization')).toBe('Bearer x');
    expect(header(ev({ headers: { authorization: 'Bearer y' } }), 'Authorization')).toBe('Bearer y');
    expect(header(ev({ headers: null }), 'authorization')).toBeUndefined();
  });

  it('round-trips a ledger cursor and refuses a forged one', () => {
    const position = { createdAt: '2026-04-01T03:00:00.000Z', id: 'partner-a/2026-Q1/ml-ai/RUB/1' };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
    expect(() => decodeCursor(Buffer.from('{"createdAt":1}').toString('base64url'))).toThrow(/invalid cursor/);
    expect(() => decodeCursor('%%%')).toThrow(/invalid cursor/);
  });
});
