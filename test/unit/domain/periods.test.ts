/** Links (R3) and specialization periods (R5): validating a new period, and the lookups the accrual uses. */
import { describe, expect, it } from 'vitest';
import {
  checkNewLink,
  checkNewSpecialization,
  checkPeriodOrder,
  indexActivity,
  indexLinks,
  lastDayBefore,
} from '../../../shared/domain/periods';
import { grant, link } from '../../support/domain-builders';

describe('a new link (R3)', () => {
  const existing = [link('p1', 'acc1', '2026-01-01', '2026-01-31'), link('p2', 'acc2', '2026-01-01')];

  it('is refused when it ends before it starts, and allowed for a single day', () => {
    expect(checkPeriodOrder({ from: '2026-02-02', to: '2026-02-01' })).toEqual({
      code: 'EMPTY_PERIOD',
      message: 'period ends (2026-02-01) before it starts (2026-02-02)',
    });
    expect(checkPeriodOrder({ from: '2026-02-01', to: '2026-02-01' })).toBeNull();
    expect(checkPeriodOrder({ from: '2026-02-01', to: null })).toBeNull();
    expect(checkNewLink([], { subaccountId: 'acc9', from: '2026-02-02', to: '2026-02-01' })).toMatchObject({ code: 'EMPTY_PERIOD' });
  });

  it('is refused when the same subaccount is linked on an overlapping day, naming the link it meets', () => {
    expect(checkNewLink(existing, { subaccountId: 'acc1', from: '2026-01-31', to: null })).toEqual({
      code: 'OVERLAP',
      conflictingId: existing[0]!.id,
      message: 'subaccount acc1 is already linked to partner p1 from 2026-01-01 to 2026-01-31, which overlaps 2026-01-31..open end',
    });
    expect(checkNewLink(existing, { subaccountId: 'acc2', from: '2025-12-01', to: '2026-01-01' })?.message).toBe(
      'subaccount acc2 is already linked to partner p2 from 2026-01-01 to open end, which overlaps 2025-12-01..2026-01-01',
    );
  });

  it('is allowed right after the previous link ends, and for another subaccount on the same days', () => {
    expect(checkNewLink(existing, { subaccountId: 'acc1', from: '2026-02-01', to: null })).toBeNull();
    expect(checkNewLink(existing, { subaccountId: 'acc3', from: '2026-01-01', to: null })).toBeNull();
  });
});

describe('a new specialization period (R5)', () => {
  const existing = [grant('p1', 'ml-ai', '2026-01-01', '2026-03-31'), grant('p2', 'data-platform', '2026-01-01')];

  it('is refused when it ends before it starts', () => {
    expect(
      checkNewSpecialization(existing, { partnerId: 'p3', specialization: 'ml-ai', from: '2026-02-02', to: '2026-02-01' }),
    ).toMatchObject({ code: 'EMPTY_PERIOD' });
  });

  it('is refused when the partner already holds that specialization on an overlapping day', () => {
    expect(checkNewSpecialization(existing, { partnerId: 'p1', specialization: 'ml-ai', from: '2026-03-31', to: '2026-04-30' })).toEqual({
      code: 'OVERLAP',
      conflictingId: existing[0]!.id,
      message: 'partner p1 already holds ml-ai from 2026-01-01 to 2026-03-31, which overlaps 2026-03-31..2026-04-30',
    });
    expect(
      checkNewSpecialization(existing, { partnerId: 'p2', specialization: 'data-platform', from: '2026-05-01', to: null })?.message,
    ).toBe('partner p2 already holds data-platform from 2026-01-01 to open end, which overlaps 2026-05-01..open end');
  });

  it('is allowed for another specialization of the partner, another partner, or after the period ends', () => {
    expect(checkNewSpecialization(existing, { partnerId: 'p1', specialization: 'data-platform', from: '2026-01-01', to: null })).toBeNull();
    expect(checkNewSpecialization(existing, { partnerId: 'p3', specialization: 'ml-ai', from: '2026-01-01', to: null })).toBeNull();
    expect(checkNewSpecialization(existing, { partnerId: 'p1', specialization: 'ml-ai', from: '2026-04-01', to: null })).toBeNull();
  });
});

describe('lookups for the accrual', () => {
  it('ends a period on the day before the effective day', () => {
    expect(lastDayBefore('2026-03-01')).toBe('2026-02-28');
  });

  it('finds the link of a subaccount in force on a day, among several', () => {
    const on = indexLinks([
      link('p1', 'acc1', '2026-01-01', '2026-01-31'),
      link('p2', 'acc1', '2026-02-01'),
      link('p3', 'acc2', '2026-01-01'),
    ]);
    expect(on('acc1', '2026-01-31')?.partnerId).toBe('p1');
    expect(on('acc1', '2026-02-01')?.partnerId).toBe('p2');
    expect(on('acc1', '2025-12-31')).toBeUndefined();
    expect(on('acc9', '2026-01-10')).toBeUndefined();
  });

  it('is active on a day covered by any of the partner’s periods (daily), or on any day of the quarter (quarter)', () => {
    const active = indexActivity([
      grant('p1', 'ml-ai', '2025-10-01', '2025-10-31'),
      grant('p1', 'ml-ai', '2026-02-01', '2026-02-10'),
      grant('p2', 'ml-ai', '2026-01-01'),
    ]);
    expect(active('p1', 'ml-ai', '2026-02-05', 'daily', '2026-Q1')).toBe(true);
    expect(active('p1', 'ml-ai', '2026-02-11', 'daily', '2026-Q1')).toBe(false);
    expect(active('p1', 'ml-ai', '2026-03-20', 'quarter', '2026-Q1')).toBe(true);
    expect(active('p1', 'ml-ai', '2026-04-20', 'quarter', '2026-Q2')).toBe(false);
    expect(active('p1', 'data-platform', '2026-02-05', 'daily', '2026-Q1')).toBe(false);
    expect(active('p3', 'ml-ai', '2026-02-05', 'quarter', '2026-Q1')).toBe(false);
  });
});
