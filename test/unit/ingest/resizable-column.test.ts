/**
 * Columns that grow in place: the same array keeps its entries as it grows step by step, holds
 * less than one step of room beyond what it was asked for, is copied only past its reservation,
 * and gives its memory back when released.
 */
import { describe, expect, it } from 'vitest';
import { COLUMN_STEP, column, grown, released, steps } from '../../../shared/ingest/resizable-column';

describe('a resizable column', () => {
  it('starts empty and grows by whole steps of zeros', () => {
    const ints = column(Int32Array, 10 * COLUMN_STEP);
    expect(ints.length).toBe(0);
    const one = grown(ints, 1);
    expect(one).toBe(ints);
    expect(one.length).toBe(COLUMN_STEP);
    expect(one.every((v) => v === 0)).toBe(true);
  });

  it('keeps its entries and its identity across steps, never more than a step of room ahead', () => {
    const reserve = 5 * COLUMN_STEP;
    let values = column(Float64Array, reserve);
    const first = values;
    for (let size = 1; size <= reserve; size += 997) {
      values = grown(values, size);
      expect(values).toBe(first);
      expect(values.length).toBe(steps(size));
      expect(values.length - size).toBeLessThan(COLUMN_STEP);
      values[size - 1] = size + 0.5;
    }
    for (let size = 1; size <= reserve; size += 997) expect(values[size - 1]).toBe(size + 0.5);
    expect(values.byteLength).toBe(reserve * Float64Array.BYTES_PER_ELEMENT);
  });

  it('is copied once into twice the room when asked past its reservation', () => {
    const small = grown(column(Uint32Array, COLUMN_STEP), COLUMN_STEP);
    for (let i = 0; i < small.length; i++) small[i] = i * 3;
    const larger = grown(small, COLUMN_STEP + 1);
    expect(larger).not.toBe(small);
    expect(larger.length).toBe(2 * COLUMN_STEP);
    for (let i = 0; i < COLUMN_STEP; i++) expect(larger[i]).toBe(i * 3);
    expect(larger[COLUMN_STEP]).toBe(0);
    // Its new reservation is twice the old one: the next step grows in place.
    expect(grown(larger, 2 * COLUMN_STEP)).toBe(larger);
    const far = grown(larger, 10 * COLUMN_STEP + 5);
    expect(far.length).toBe(11 * COLUMN_STEP);
    expect(far[COLUMN_STEP - 1]).toBe((COLUMN_STEP - 1) * 3);
  });

  it('gives back all its memory when released, and can grow again from zeros', () => {
    const bytes = grown(column(Uint8Array, 4 * COLUMN_STEP), 3 * COLUMN_STEP).fill(7);
    released(bytes);
    expect([bytes.length, bytes.byteLength]).toEqual([0, 0]);
    expect(grown(bytes, 1)[0]).toBe(0);
  });
});
