/**
 * YQL types for the protocol fake: parsed from DECLARE / CREATE TABLE text, read from protobuf
 * `Ydb.Type`, rendered canonically so the two can be compared, and used to decode parameter
 * values and encode result cells. Written independently of the adapter's own codec.
 */
import type { Ydb } from 'ydb-sdk-proto';
import { fromEpochDays, toEpochDays } from '../../../shared/domain/calendar';
import { YdbProto } from '../../../shared/adapters/ydb/sdk';

export type YqlType =
  | { kind: 'prim'; name: 'Utf8' | 'Date' | 'Uint64' | 'Uint32' | 'Bool' }
  | { kind: 'decimal'; precision: number; scale: number }
  | { kind: 'optional'; item: YqlType }
  | { kind: 'list'; item: YqlType }
  | { kind: 'struct'; members: [string, YqlType][] };

/** Cells: Utf8 → string, Date → 'YYYY-MM-DD', Uint → bigint, Decimal → bigint at its scale, Bool, null. */
export type FakeValue = string | bigint | boolean | null | FakeValue[] | { [name: string]: FakeValue };

const PRIMS = { Utf8: 'UTF8', Date: 'DATE', Uint64: 'UINT64', Uint32: 'UINT32', Bool: 'BOOL' } as const;
type PrimName = keyof typeof PRIMS;

export function renderType(type: YqlType): string {
  switch (type.kind) {
    case 'prim':
      return type.name;
    case 'decimal':
      return `Decimal(${type.precision},${type.scale})`;
    case 'optional':
      return `Optional<${renderType(type.item)}>`;
    case 'list':
      return `List<${renderType(type.item)}>`;
    case 'struct':
      // YQL orders struct members by name; declaration order carries no meaning.
      return `Struct<${[...type.members]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([n, t]) => `${n}:${renderType(t)}`)
        .join(',')}>`;
  }
}

/** Parses YQL type syntax (`List<Struct<a: Utf8, b: Date?>>`, `Decimal(22,9)`); throws on anything else. */
export function parseType(text: string): YqlType {
  let pos = 0;
  const src = text.trim();
  const skip = () => {
    while (pos < src.length && /\s/.test(src[pos] ?? '')) pos += 1;
  };
  const expect = (ch: string) => {
    skip();
    if (src[pos] !== ch) throw new Error(`expected "${ch}" at ${pos} in type "${src}"`);
    pos += 1;
  };
  const ident = () => {
    skip();
    const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(pos));
    if (!match) throw new Error(`expected a name at ${pos} in type "${src}"`);
    pos += match[0].length;
    return match[0];
  };
  const number = () => {
    skip();
    const match = /^\d+/.exec(src.slice(pos));
    if (!match) throw new Error(`expected a number at ${pos} in type "${src}"`);
    pos += match[0].length;
    return Number(match[0]);
  };
  const type = (): YqlType => {
    const name = ident();
    let result: YqlType;
    if (name === 'Optional' || name === 'List') {
      expect('<');
      const item = type();
      expect('>');
      result = name === 'Optional' ? { kind: 'optional', item } : { kind: 'list', item };
    } else if (name === 'Struct') {
      expect('<');
      const members: [string, YqlType][] = [];
      do {
        const member = ident();
        expect(':');
        members.push([member, type()]);
        skip();
      } while (src[pos] === ',' && (pos += 1));
      expect('>');
      result = { kind: 'struct', members };
    } else if (name === 'Decimal') {
      expect('(');
      const precision = number();
      expect(',');
      const scale = number();
      expect(')');
      result = { kind: 'decimal', precision, scale };
    } else if (name in PRIMS) {
      result = { kind: 'prim', name: name as PrimName };
    } else {
      throw new Error(`unknown type "${name}" in "${src}"`);
    }
    skip();
    if (src[pos] === '?') {
      pos += 1;
      return { kind: 'optional', item: result };
    }
    return result;
  };
  const parsed = type();
  skip();
  if (pos !== src.length) throw new Error(`trailing text at ${pos} in type "${src}"`);
  return parsed;
}

export function typeFromProto(type: Ydb.IType): YqlType {
  if (type.optionalType?.item) return { kind: 'optional', item: typeFromProto(type.optionalType.item) };
  if (type.listType?.item) return { kind: 'list', item: typeFromProto(type.listType.item) };
  if (type.structType)
    return { kind: 'struct', members: (type.structType.members ?? []).map((m) => [m.name ?? '', typeFromProto(m.type ?? {})]) };
  if (type.decimalType) return { kind: 'decimal', precision: type.decimalType.precision ?? 0, scale: type.decimalType.scale ?? 0 };
  const ids = YdbProto.Type.PrimitiveTypeId;
  for (const [name, id] of Object.entries(PRIMS)) if (type.typeId === ids[id]) return { kind: 'prim', name: name as PrimName };
  throw new Error(`the fake does not know YDB type ${JSON.stringify(type)}`);
}

export function typeToProto(type: YqlType): Ydb.IType {
  switch (type.kind) {
    case 'prim':
      return { typeId: YdbProto.Type.PrimitiveTypeId[PRIMS[type.name]] };
    case 'decimal':
      return { decimalType: { precision: type.precision, scale: type.scale } };
    case 'optional':
      return { optionalType: { item: typeToProto(type.item) } };
    case 'list':
      return { listType: { item: typeToProto(type.item) } };
    case 'struct':
      return { structType: { members: type.members.map(([name, t]) => ({ name, type: typeToProto(t) })) } };
  }
}

function u64(value: unknown): bigint {
  if (typeof value === 'number' || typeof value === 'string') return BigInt(value);
  const long = value as { low: number; high: number };
  return (BigInt(long.high >>> 0) << 32n) | BigInt(long.low >>> 0);
}

export function decodeValue(type: YqlType, value: Ydb.IValue): FakeValue {
  switch (type.kind) {
    case 'optional':
      return value.nullFlagValue !== undefined && value.nullFlagValue !== null ? null : decodeValue(type.item, value);
    case 'list':
      return (value.items ?? []).map((item) => decodeValue(type.item, item));
    case 'struct': {
      const out: Record<string, FakeValue> = {};
      type.members.forEach(([name, member], i) => {
        out[name] = decodeValue(member, value.items?.[i] ?? {});
      });
      return out;
    }
    case 'decimal':
      return BigInt.asIntN(128, (u64(value.high_128 ?? 0) << 64n) | u64(value.low_128 ?? 0));
    case 'prim':
      switch (type.name) {
        case 'Utf8':
          if (typeof value.textValue !== 'string') throw new Error('Utf8 value without text_value');
          return value.textValue;
        case 'Date':
          return fromEpochDays(value.uint32Value ?? 0);
        case 'Uint64':
          return u64(value.uint64Value ?? 0);
        case 'Uint32':
          return BigInt(value.uint32Value ?? 0);
        case 'Bool':
          return value.boolValue ?? false;
      }
  }
}

function long64(value: bigint): { low: number; high: number; unsigned: boolean } {
  const bits = BigInt.asUintN(64, value);
  return { low: Number(bits & 0xffffffffn) | 0, high: Number(bits >> 32n) | 0, unsigned: true };
}

export function encodeValue(type: YqlType, value: FakeValue): Ydb.IValue {
  if (type.kind === 'optional') return value === null ? { nullFlagValue: 0 } : encodeValue(type.item, value);
  if (value === null) throw new Error(`NULL in a non-optional ${renderType(type)}`);
  switch (type.kind) {
    case 'list':
      return { items: (value as FakeValue[]).map((v) => encodeValue(type.item, v)) };
    case 'struct':
      return { items: type.members.map(([name, t]) => encodeValue(t, (value as Record<string, FakeValue>)[name] ?? null)) };
    case 'decimal': {
      const raw = BigInt.asUintN(128, value as bigint);
      return { low_128: long64(raw & 0xffffffffffffffffn) as never, high_128: long64(raw >> 64n) as never };
    }
    case 'prim':
      switch (type.name) {
        case 'Utf8':
          return { textValue: value as string };
        case 'Date':
          return { uint32Value: toEpochDays(value as string) };
        case 'Uint64':
          return { uint64Value: long64(value as bigint) as never };
        case 'Uint32':
          return { uint32Value: Number(value) };
        case 'Bool':
          return { boolValue: value as boolean };
      }
  }
}
