/**
 * Structured logs: one JSON object per line with `level`, `msg`, `request_id` and fields
 * (counts, ids, keys) — the shape Cloud Logging parses. Never log raw CSV rows or tokens.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds these fields to every line. */
  child(fields: LogFields): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
/** Cloud Logging reads upper-case levels (TRACE..FATAL). */
const CLOUD_LEVEL: Record<LogLevel, string> = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };
/** Cloud Logging cuts lines at 64 KB; keep well under it. */
const MAX_LINE_BYTES = 60_000;

export interface LoggerOptions {
  level: LogLevel;
  requestId?: string;
  fields?: LogFields;
  /** Where lines go; stdout by default. */
  write?: (line: string) => void;
}

export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const base: LogFields = { ...(options.requestId ? { request_id: options.requestId } : {}), ...options.fields };
  const log = (level: LogLevel, msg: string, fields?: LogFields): void => {
    if (RANK[level] < RANK[options.level]) return;
    write(toLine({ level: CLOUD_LEVEL[level], msg, ...base, ...fields }));
  };
  return {
    debug: (msg, fields) => log('debug', msg, fields),
    info: (msg, fields) => log('info', msg, fields),
    warn: (msg, fields) => log('warn', msg, fields),
    error: (msg, fields) => log('error', msg, fields),
    child: (fields) => createLogger({ ...options, fields: { ...options.fields, ...fields } }),
  };
}

/** An error as log fields: name, code, message and the cause chain (stacks stay out of results). */
export function errorFields(error: unknown): LogFields {
  if (!(error instanceof Error)) return { error: String(error) };
  const causes: string[] = [];
  for (let cause = error.cause, depth = 0; cause !== undefined && depth < 5; depth++) {
    causes.push(cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause));
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  const code = (error as { code?: unknown }).code;
  return {
    error: {
      name: error.name,
      message: error.message,
      ...(code !== undefined ? { code: String(code) } : {}),
      ...(causes.length ? { causes } : {}),
      stack: error.stack,
    },
  };
}

function toLine(record: LogFields): string {
  const line = JSON.stringify(record, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  if (Buffer.byteLength(line) <= MAX_LINE_BYTES) return line;
  // A UTF-8 character takes at most 3 bytes here (JSON escapes the rest), so 19k chars fit.
  return JSON.stringify({
    level: record.level,
    msg: record.msg,
    request_id: record.request_id,
    truncated: true,
    head: line.slice(0, 19_000),
  });
}
