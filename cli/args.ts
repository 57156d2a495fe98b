/** Command-line parsing shared by the CLI commands: options validated, errors worded for people. */
import { parseArgs } from 'node:util';
import { userInfo } from 'node:os';

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

export function parseCommand(argv: string[], options: OptionSpec, usage: string): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...COMMON, ...options }, allowPositionals: true, strict: true });
    return { values: values as Parsed['values'], positionals };
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\nusage: ${usage}`);
  }
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
  const actor = optional(parsed, 'actor') ?? `operator:${safeUser()}`;
  return { actor, note: optional(parsed, 'note') ?? '' };
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
