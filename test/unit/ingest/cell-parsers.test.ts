import { describe, expect, it } from 'vitest';
import { addDays, isDay } from '../../../shared/domain/calendar';
import { formatMoney, parseMoney } from '../../../shared/domain/money';
import {
  compareDayCell,
  isCalendarDayCell,
  parseCurrencyCell,
  parseMoneyCell,
  parseUnsignedCell,
  type MoneyCell,
} from '../../../shared/ingest/cell-parsers';
import { utf8 } from './chunking';

function money(text: string): { value: string } | { reason: string } {
  const buf = utf8(`,${text},`); // offsets inside a larger buffer, as in a real row
  const out: MoneyCell = { units: 0, nanos: 0 };
  const reason = parseMoneyCell(buf, 1, buf.length - 1, out);
  if (reason !== null) return { reason };
  // Recombine exactly: units and nanos are integers with the same sign.
  return { value: formatMoney(BigInt(out.units) * 1_000_000_000n + BigInt(out.nanos), 0) };
}

function day(text: string): boolean {
  const buf = utf8(`x${text}x`);
  return isCalendarDayCell(buf, 1, buf.length - 1);
}

describe('parseMoneyCell', () => {
  it.each([
    ['0', '0'],
    ['-0', '0'],
    ['12', '12'],
    ['12.5', '12.5'],
    ['-23.456789012', '-23.456789012'],
    ['0.000000001', '0.000000001'],
    ['-0.000000001', '-0.000000001'],
    ['9999999999999.999999999', '9999999999999.999999999'],
    ['007.10', '7.1'],
  ])('reads %s exactly as %s', (text, expected) => {
    expect(money(text)).toEqual({ value: expected });
    expect(formatMoney(parseMoney(text), 0)).toBe(expected);
  });

  it('reads a cell that ends the buffer (the last row of a file without a final line break)', () => {
    for (const [text, units, nanos] of [
      ['12', 12, 0],
      ['-7.25', -7, -250_000_000],
    ] as const) {
      const buf = Buffer.from(text, 'latin1');
      const out: MoneyCell = { units: 0, nanos: 0 };
      expect(parseMoneyCell(buf, 0, buf.length, out)).toBeNull();
      expect(out).toEqual({ units, nanos });
    }
  });

  it.each([
    ['', 'is empty'],
    ['12,5', 'dot separator'],
    ['1e3', 'dot separator'],
    ['1.5e3', 'only digits after the decimal point'],
    [' 1.5', 'must start with a digit'],
    ['1.5 ', 'only digits after the decimal point'],
    ['+1.5', 'must start with a digit'],
    ['--1', 'must start with a digit'],
    ['-', 'must start with a digit'],
    ['.5', 'must start with a digit'],
    ['1.', 'digits after the decimal point'],
    ['0.1234567891', 'more than 9 fractional digits'],
    ['10000000000000', 'more than 13 integer digits'],
    ['NaN', 'must start with a digit'],
    ['1 000', 'dot separator'],
  ])('rejects %j (%s)', (text, reason) => {
    expect(money(text)).toEqual({ reason: expect.stringContaining(reason) });
  });
});

describe('isCalendarDayCell', () => {
  it('agrees with the domain isDay on every day of 2023..2029 and on the days just past month ends', () => {
    let d = '2023-01-01';
    let checked = 0;
    while (d <= '2029-12-31') {
      expect(day(d)).toBe(true);
      const [y, m] = d.split('-');
      for (const bad of ['29', '30', '31', '32']) {
        const candidate = `${y}-${m}-${bad}`;
        expect(day(candidate), candidate).toBe(isDay(candidate));
      }
      d = addDays(d, 1);
      checked++;
    }
    expect(checked).toBe(7 * 365 + 2);
  });

  it('agrees with isDay on February of century years (only 2000 and 2400 are leap)', () => {
    for (const year of ['1900', '2000', '2100', '2400']) {
      for (const d of ['28', '29', '30']) {
        const candidate = `${year}-02-${d}`;
        expect(day(candidate), candidate).toBe(isDay(candidate));
      }
    }
    expect(day('2000-02-29')).toBe(true);
    expect(day('2100-02-29')).toBe(false);
  });

  it.each([
    '2026-02-29',
    '2100-02-29',
    '2026-13-01',
    '2026-00-10',
    '2026-01-00',
    '2026-1-01',
    '15.03.2026',
    '2026/03/15',
    '2026-03-15 ',
    '',
    '0099-01-01',
    '２０２６-03-15',
  ])('rejects %j like isDay does', (text) => {
    expect(day(text)).toBe(false);
    expect(isDay(text)).toBe(false);
  });

  it('accepts the first year isDay accepts, 0100, and no earlier', () => {
    expect(day('0100-01-01')).toBe(true);
    expect(isDay('0100-01-01')).toBe(true);
    expect(day('0099-12-31')).toBe(false);
  });

  it('accepts the last day of every month, December included', () => {
    const last = ['31', '28', '31', '30', '31', '30', '31', '31', '30', '31', '30', '31'];
    expect(last.map((d, i) => day(`2026-${String(i + 1).padStart(2, '0')}-${d}`))).toEqual(last.map(() => true));
  });

  it('rejects a day with a non-digit just below or above the digits in its year, month or day', () => {
    // Read as digits anyway these would give a real day: 2/26 as 1926, 0: as month 10, 1: as day 20.
    for (const text of ['2/26-01-10', '20:6-01-10', '2026-1/-10', '2026-0:-10', '2026-01-/9', '2026-01-1:']) {
      expect(day(text), text).toBe(false);
      expect(isDay(text), text).toBe(false);
    }
  });

  it('accepts leap days of leap years', () => {
    expect(day('2024-02-29')).toBe(true);
    expect(day('2000-02-29')).toBe(true);
  });
});

describe('parseCurrencyCell', () => {
  it('knows exactly RUB, USD and KZT', () => {
    const codes = ['RUB', 'USD', 'KZT', 'EUR', 'rub', 'RU', 'RUBL', ''].map((c) => {
      const buf = utf8(c);
      return parseCurrencyCell(buf, 0, buf.length);
    });
    expect(codes).toEqual([0, 1, 2, -1, -1, -1, -1, -1]);
  });
});

describe('parseUnsignedCell', () => {
  it('reads Unix seconds and rejects anything but plain digits', () => {
    const read = (t: string) => parseUnsignedCell(utf8(t), 0, utf8(t).length);
    expect(read('1773565200')).toBe(1773565200);
    expect(read('0')).toBe(0);
    expect(['', '-1', '1.5', '17e8', ' 1', '1234567890123456'].map(read)).toEqual([-1, -1, -1, -1, -1, -1]);
  });
});

describe('cell near misses', () => {
  const cell = (text: string) => Buffer.from(text, 'latin1');

  it('refuses a currency that differs from RUB, USD or KZT in any one letter', () => {
    for (const code of ['RUB', 'USD', 'KZT']) {
      for (let i = 0; i < 3; i++) {
        const miss = code.slice(0, i) + 'X' + code.slice(i + 1);
        expect(parseCurrencyCell(cell(miss), 0, 3), miss).toBe(-1);
      }
    }
    expect(['RUB', 'USD', 'KZT'].map((c) => parseCurrencyCell(cell(c), 0, 3))).toEqual([0, 1, 2]);
  });

  it('reads a currency or Unix seconds from its place inside a row', () => {
    const row = cell(',,RUB,1773565200,USD,999999999999999,1000000000000000,');
    expect(parseCurrencyCell(row, 2, 5)).toBe(0);
    expect(parseCurrencyCell(row, 17, 20)).toBe(1);
    expect(parseCurrencyCell(row, 1, 5)).toBe(-1);
    expect(parseUnsignedCell(row, 6, 16)).toBe(1773565200);
    expect(parseUnsignedCell(row, 21, 36)).toBe(999999999999999);
    expect(parseUnsignedCell(row, 37, 53)).toBe(-1);
    expect(parseUnsignedCell(row, 6, 6)).toBe(-1);
  });

  it('reads Unix seconds of up to 15 digits, not 16', () => {
    expect(parseUnsignedCell(cell('999999999999999'), 0, 15)).toBe(999999999999999);
    expect(parseUnsignedCell(cell('1000000000000000'), 0, 16)).toBe(-1);
  });

  it('needs the dash after the year of a day', () => {
    expect(isCalendarDayCell(cell('2026x01-10'), 0, 10)).toBe(false);
    expect(isCalendarDayCell(cell('2026-01x10'), 0, 10)).toBe(false);
    expect(isCalendarDayCell(cell('2026-01-10'), 0, 10)).toBe(true);
  });
});

describe('compareDayCell', () => {
  const cell = (text: string) => Buffer.from(`,${text},`, 'latin1');
  const ascii = (text: string) => Buffer.from(text, 'latin1');

  it('orders a day cell against a day like the day strings themselves, by year, month and day', () => {
    const days = ['2025-12-31', '2026-01-01', '2026-01-09', '2026-01-10', '2026-02-01', '2027-01-01'];
    for (const a of days)
      for (const b of days) {
        const got = Math.sign(compareDayCell(cell(a), 1, ascii(b)));
        expect(got, `${a} vs ${b}`).toBe(a < b ? -1 : a > b ? 1 : 0);
      }
  });

  it('answers exactly 0 for the same day, looking at its ten bytes only', () => {
    expect(compareDayCell(Buffer.from(',2026-03-15,x', 'latin1'), 1, ascii('2026-03-15'))).toBe(0);
    expect(compareDayCell(Buffer.from('2026-03-15', 'latin1'), 0, ascii('2026-03-15'))).toBe(0);
  });
});
