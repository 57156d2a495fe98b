import { describe, expect, it } from 'vitest';
import { isQuarter, quarterRange } from '../../../shared/domain/calendar';
import {
  actorSchema,
  daySchema,
  noteSchema,
  partnerIdSchema,
  quarterSchema,
  specializationIdSchema,
  subaccountIdSchema,
} from '../../../shared/domain/identifiers';

const reason = (schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { message: string }[] } } }, value: string) => {
  const r = schema.safeParse(value);
  return r.success ? null : r.error!.issues[0]!.message;
};

describe('identifier schemas shared by the CLI and the functions', () => {
  it.each(['acme', 'partner-1', 'p.1:x@y', 'Ä-партнёр'])('accepts the partner id %j', (id) => {
    expect(reason(partnerIdSchema, id)).toBeNull();
  });

  it.each([
    ['', /empty/],
    [' ', /blank/],
    [' acme', /leading or trailing/],
    ['acme\nerror: forged', /U\+000A/],
    ['a\u001b[2Jb', /U\+001B/],
    ['a b', /whitespace/],
    ['a/b', /"\/"/],
    ['x'.repeat(129), /at most 128/],
    ['a\u200bb', /U\+200B/],
  ])('refuses the partner id %j', (id, why) => {
    expect(reason(partnerIdSchema, id)).toMatch(why);
  });

  it('allows "/" in subaccount ids but not control characters', () => {
    expect(reason(subaccountIdSchema, 'dn2a/b')).toBeNull();
    expect(reason(subaccountIdSchema, 'dn2\u0000')).toMatch(/U\+0000/);
  });

  it('accepts kebab-case specialization ids only', () => {
    expect(reason(specializationIdSchema, 'ml-ai')).toBeNull();
    expect(reason(specializationIdSchema, 'ML AI')).toMatch(/kebab-case/);
  });

  it('accepts days and quarters of the supported years only, with a reason otherwise', () => {
    expect(reason(daySchema, '2026-02-28')).toBeNull();
    expect(reason(daySchema, '2026-02-30')).toMatch(/not a calendar day/);
    expect(reason(daySchema, '9999-12-31')).toMatch(/outside the supported range/);
    expect(reason(quarterSchema, '2026-Q4')).toBeNull();
    for (const q of ['0000-Q1', '0099-Q4', '9999-Q4', '1999-Q4', '3000-Q1'])
      expect(reason(quarterSchema, q)).toMatch(/outside the supported years/);
    expect(reason(quarterSchema, '2026-Q5')).toMatch(/not a quarter/);
  });

  it('refuses empty, blank and padded actors and control characters in notes', () => {
    expect(reason(actorSchema, 'anna')).toBeNull();
    expect(reason(actorSchema, 'operator:anna smith')).toBeNull();
    expect(reason(actorSchema, '')).toMatch(/empty/);
    expect(reason(actorSchema, ' ')).toMatch(/blank/);
    expect(reason(actorSchema, 'anna ')).toMatch(/leading or trailing/);
    expect(reason(noteSchema, '')).toBeNull();
    expect(reason(noteSchema, 'contract 42')).toBeNull();
    expect(reason(noteSchema, 'x\u001b[31m')).toMatch(/control character/);
  });
});

describe('quarters without RangeError (class 6)', () => {
  it.each(['0000-Q1', '0050-Q2', '0099-Q4', '9999-Q4'])('does not treat %s as a quarter, so no computation reaches a RangeError', (q) => {
    expect(isQuarter(q)).toBe(false);
  });

  it('still computes the edge quarters it accepts', () => {
    expect(quarterRange('0100-Q1')).toEqual({ from: '0100-01-01', to: '0100-03-31' });
    expect(quarterRange('9999-Q3')).toEqual({ from: '9999-07-01', to: '9999-09-30' });
  });
});
