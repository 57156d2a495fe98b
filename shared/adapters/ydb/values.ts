/**
 * Typed YDB values in and plain cells out. Money crosses the boundary as a decimal string in a
 * Decimal(22,9) (`TypedValues.decimal`) and comes back as bigint nanos; days are Date day
 * counts (toEpochDays / fromEpochDays); counts and versions are Uint64.
 */
import type { Ydb } from 'ydb-sdk-proto';
import { fromEpochDays, toEpochDays, type Day } from '../../domain/calendar';
import { MONEY_SCALE, formatMoney, type Nanos } from '../../domain/money';
import { StoreError } from '../../ports/store';
import { TypedValues, Types, YdbProto } from './sdk';

export type ScalarType = 'Utf8' | 'Date' | 'Uint64' | 'Uint32' | 'Bool' | 'Money';

export interface FieldType {
  scalar: ScalarType;
  optional?: boolean;
}

export type StructFields = Readonly<Record<string, FieldType>>;

/** What a cell decodes to: text, day, bigint (Uint64 and money nanos), boolean or null. */
export type Cell = string | bigint | boolean | null;
export type Row = Record<string, Cell>;

const NULL_VALUE: Ydb.IValue = { nullFlagValue: 0 };

export function scalarType(scalar: ScalarType): Ydb.IType {
  switch (scalar) {
    case 'Utf8':
      return Types.UTF8;
    case 'Date':
      return Types.DATE;
    case 'Uint64':
      return Types.UINT64;
    case 'Uint32':
      return Types.UINT32;
    case 'Bool':
      return Types.BOOL;
    case 'Money':
      return Types.decimal(22, MONEY_SCALE);
  }
}

function fieldType(field: FieldType): Ydb.IType {
  const type = scalarType(field.scalar);
  return field.optional ? Types.optional(type) : type;
}

function uint64Value(value: unknown): Ydb.IValue {
  const n = typeof value === 'bigint' ? value : BigInt(value as number);
  if (n < 0n || n > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`Uint64 value ${n} out of the supported range`);
  return { uint64Value: Number(n) };
}

function uint32Value(value: unknown): Ydb.IValue {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`Uint32 value ${String(value)} out of range`);
  return { uint32Value: n };
}

function scalarValue(scalar: ScalarType, value: unknown): Ydb.IValue {
  switch (scalar) {
    case 'Utf8':
      return { textValue: value as string };
    case 'Date':
      return { uint32Value: toEpochDays(value as Day) };
    case 'Uint64':
      return uint64Value(value);
    case 'Uint32':
      return uint32Value(value);
    case 'Bool':
      return { boolValue: value as boolean };
    case 'Money':
      return TypedValues.decimal(formatMoney(value as Nanos, 0), 22, MONEY_SCALE).value as Ydb.IValue;
  }
}

function fieldValue(name: string, field: FieldType, value: unknown): Ydb.IValue {
  if (value === null || value === undefined) {
    if (field.optional) return NULL_VALUE;
    throw new RangeError(`field ${name} (${field.scalar}) is required but got ${String(value)}`);
  }
  return scalarValue(field.scalar, value);
}

export function structType(fields: StructFields): Ydb.IType {
  return { structType: { members: Object.entries(fields).map(([name, field]) => ({ name, type: fieldType(field) })) } };
}

/** A `List<Struct<…>>` parameter (AS_TABLE input, BulkUpsert rows). */
export function structList(fields: StructFields, rows: readonly Record<string, unknown>[]): Ydb.TypedValue {
  const entries = Object.entries(fields);
  return YdbProto.TypedValue.create({
    type: { listType: { item: structType(fields) } },
    value: { items: rows.map((row) => ({ items: entries.map(([name, field]) => fieldValue(name, field, row[name])) })) },
  });
}

export const param = {
  utf8: (value: string): Ydb.ITypedValue => ({ type: Types.UTF8, value: { textValue: value } }),
  date: (day: Day): Ydb.ITypedValue => ({ type: Types.DATE, value: { uint32Value: toEpochDays(day) } }),
  uint64: (value: number | bigint): Ydb.ITypedValue => ({ type: Types.UINT64, value: uint64Value(value) }),
  uint32: (value: number): Ydb.ITypedValue => ({ type: Types.UINT32, value: uint32Value(value) }),
  bool: (value: boolean): Ydb.ITypedValue => ({ type: Types.BOOL, value: { boolValue: value } }),
  money: (value: Nanos): Ydb.ITypedValue => TypedValues.decimal(formatMoney(value, 0), 22, MONEY_SCALE),
  optionalUtf8: (value: string | undefined): Ydb.ITypedValue =>
    value === undefined
      ? { type: Types.optional(Types.UTF8), value: NULL_VALUE }
      : { type: Types.optional(Types.UTF8), value: { textValue: value } },
  utf8List: (values: readonly string[]): Ydb.ITypedValue => ({
    type: { listType: { item: Types.UTF8 } },
    value: { items: values.map((textValue) => ({ textValue })) },
  }),
};

interface LongLike {
  low: number;
  high: number;
}

function unsigned64(value: unknown): bigint {
  if (typeof value === 'number') return BigInt(value);
  if (typeof value === 'string') return BigInt(value);
  const long = value as LongLike;
  return (BigInt(long.high >>> 0) << 32n) | BigInt(long.low >>> 0);
}

/** Two's-complement 128-bit decimal → bigint at the type's scale. */
function decimalNanos(value: Ydb.IValue, scale: number, column: string): bigint {
  if (scale !== MONEY_SCALE)
    throw new StoreError('YDB_SCHEMA_MISMATCH', `column ${column} is Decimal with scale ${scale}, expected ${MONEY_SCALE}`);
  const raw = (unsigned64(value.high_128 ?? 0) << 64n) | unsigned64(value.low_128 ?? 0);
  return BigInt.asIntN(128, raw);
}

function decodeCell(type: Ydb.IType, value: Ydb.IValue, column: string): Cell {
  if (type.optionalType) {
    if (value.nullFlagValue !== undefined && value.nullFlagValue !== null) return null;
    return decodeCell(type.optionalType.item as Ydb.IType, value, column);
  }
  if (type.decimalType) return decimalNanos(value, type.decimalType.scale ?? 0, column);
  switch (type.typeId) {
    case YdbProto.Type.PrimitiveTypeId.UTF8:
      return value.textValue ?? '';
    case YdbProto.Type.PrimitiveTypeId.DATE:
      return fromEpochDays(value.uint32Value ?? 0);
    case YdbProto.Type.PrimitiveTypeId.UINT64:
      return unsigned64(value.uint64Value ?? 0);
    case YdbProto.Type.PrimitiveTypeId.UINT32:
      return BigInt(value.uint32Value ?? 0);
    case YdbProto.Type.PrimitiveTypeId.BOOL:
      return value.boolValue ?? false;
    default:
      throw new StoreError('YDB_SCHEMA_MISMATCH', `column ${column} has an unexpected YDB type ${JSON.stringify(type)}`);
  }
}

/** Decodes a result set into rows keyed by column name. */
export function decodeRows(set: Ydb.IResultSet | undefined): Row[] {
  if (!set) return [];
  const columns = set.columns ?? [];
  return (set.rows ?? []).map((row) => {
    const decoded: Row = {};
    columns.forEach((column, index) => {
      const name = column.name ?? `#${index}`;
      decoded[name] = decodeCell(column.type ?? {}, row.items?.[index] ?? {}, name);
    });
    return decoded;
  });
}
