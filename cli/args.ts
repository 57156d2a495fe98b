/** Command-line parsing shared by the CLI commands: options validated, errors worded for people. */
import { parseArgs } from 'node:util';
import { userInfo } from 'node:os';
import { actorProblem, noteProblem } from '../shared/domain/identifiers';

export class UsageError extends Error {
  readonly code = 'USAGE';
}

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;

const COMMON: OptionSpec = {
  json: { type: 'boolean' },
  actor: { type: 'string' },
  note: { type: 'string' },
  help: { type: 'boolean' },
};

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * Parses a command's options. Positional arguments are refused unless the command takes them
 * (`ingest PATH...`): a stray word is a mistake the operator should hear about, not ignored.
 */
export function parseCommand(argv: string[], options: OptionSpec, usage: string, takes: { positionals?: boolean } = {}): Parsed {
  let parsed: Parsed;
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...COMMON, ...options }, allowPositionals: true, strict: true });
    parsed = { values: values as Parsed['values'], positionals };
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\nusage: ${usage}`);
  }
  if (!takes.positionals && parsed.positionals.length > 0) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[0])}\nusage: ${usage}`);
  }
  return parsed;
}

/** A value checked by one of the shared rules (shared/domain/identifiers.ts); a problem is a usage error. */
export function checked(value: string, problem: (v: string) => string | null, usage: string): string {
  const reason = problem(value);
  if (reason !== null) throw new UsageError(`${reason}\nusage: ${usage}`);
  return value;
}

export function required(parsed: Parsed, name: string, usage: string): string {
  const value = parsed.values[name];
  if (typeof value !== 'string' || value.length === 0) throw new UsageError(`missing --${name}\nusage: ${usage}`);
  return value;
}

export function optional(parsed: Parsed, name: string): string | undefined {
  const value = parsed.values[name];
  return typeof value === 'string' ? value : undefined;
}

/** R12: who made the change; defaults to the local user so nothing goes unattributed. */
export function actorOf(parsed: Parsed): { actor: string; note: string } {
  const given = optional(parsed, 'actor');
  const actor = given ?? `operator:${safeUser()}`;
  const note = optional(parsed, 'note') ?? '';
  const problem = (given === undefined ? null : actorProblem(given)) ?? noteProblem(note);
  if (problem !== null) throw new UsageError(`--${problem.startsWith('actor') ? 'actor' : 'note'}: ${problem}`);
  return { actor, note };
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
