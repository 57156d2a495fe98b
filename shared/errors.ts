/**
 * One error taxonomy (STYLE "Errors and logs"): every code the system raises or answers with, and
 * what it means to a caller — the CLI's exit status and the HTTP status. The table is the only
 * place a code is defined: `ErrorCode` is its keys, so an error class cannot use a code without
 * saying here what it means, and the compiler checks both columns for every code.
 *
 * Exit statuses (§8): 0 success; 1 rejected or could not be done (bad data, a conflict, the store
 * or a cloud service unavailable); 2 wrong usage; 70 an internal error — a bug, never bad input.
 */

export type ExitStatus = 1 | 2 | 70;
export type HttpStatus = 400 | 401 | 403 | 404 | 405 | 409 | 422 | 500 | 502 | 503;

interface Meaning {
  exit: ExitStatus;
  http: HttpStatus;
}

const usage: Meaning = { exit: 2, http: 400 };
const rejected: Meaning = { exit: 1, http: 422 };
const conflict: Meaning = { exit: 1, http: 409 };
const notFound: Meaning = { exit: 1, http: 404 };
/** The environment, not the input: configuration, the store, a cloud service. */
const situation: Meaning = { exit: 1, http: 503 };
const misconfigured: Meaning = { exit: 1, http: 500 };
const bug: Meaning = { exit: 70, http: 500 };

export const ERROR_CODES = {
  // Wrong usage: the request itself is malformed.
  USAGE: usage,
  ACTION_INVALID: usage,
  EVENT_INVALID: usage,
  DECIMAL_FORMAT: usage,
  // Expected refusals of a use case (values, not exceptions, in the use cases).
  INVALID_INPUT: rejected,
  UNKNOWN_SPECIALIZATION: rejected,
  OUT_OF_RANGE: rejected,
  EMPTY_PERIOD: rejected,
  IMPORT_REJECTED: rejected,
  INGEST_REJECTED: rejected,
  NOT_AVAILABLE: rejected,
  CONFIRMATION_REQUIRED: conflict,
  OVERLAP: conflict,
  ALREADY_ENDED: conflict,
  ALREADY_REVOKED: conflict,
  ALREADY_EXISTS: conflict,
  LEDGER_CONFLICT: conflict,
  NOT_FOUND: notFound,
  OBJECT_NOT_FOUND: notFound,
  // Configuration and inputs an operator fixes.
  CONFIG_INVALID: misconfigured,
  RULES_INVALID: misconfigured,
  STORE_CONFIG: misconfigured,
  YDB_CONFIG: misconfigured,
  EXPORT_PATH: rejected,
  EXPORT_READ: situation,
  // The store.
  STORE_BUSY: situation,
  STORE_UNAVAILABLE: situation,
  SCHEMA_VERSION: misconfigured,
  CORRUPT_ROW: misconfigured,
  SCAN_INTERRUPTED: situation,
  YDB_SCAN_INTERRUPTED: situation,
  YDB_UNAVAILABLE: situation,
  YDB_OVERLOADED: situation,
  YDB_TIMEOUT: situation,
  YDB_ABORTED: situation,
  YDB_BAD_SESSION: situation,
  YDB_SESSION_BUSY: situation,
  YDB_SESSION_EXPIRED: situation,
  YDB_SESSION_POOL_EMPTY: situation,
  YDB_TRANSPORT_UNAVAILABLE: situation,
  YDB_CLIENT_DEADLINE_EXCEEDED: situation,
  YDB_CLIENT_RESOURCE_EXHAUSTED: situation,
  YDB_UNDETERMINED: situation,
  YDB_CANCELLED: situation,
  YDB_CONTENDED: situation,
  YDB_UNAUTHORIZED: misconfigured,
  YDB_SCHEME_ERROR: misconfigured,
  YDB_SCHEMA_MISMATCH: misconfigured,
  YDB_SCHEMA_DRIFT: misconfigured,
  YDB_SDK_CHANGED: misconfigured,
  YDB_PRECONDITION_FAILED: situation,
  YDB_GENERIC_ERROR: situation,
  YDB_FAILED: situation,
  // The Billing API.
  BILLING_NO_TOKEN: misconfigured,
  BILLING_UNAUTHENTICATED: misconfigured,
  BILLING_PERMISSION_DENIED: misconfigured,
  BILLING_NOT_FOUND: notFound,
  BILLING_INVALID_ARGUMENT: rejected,
  BILLING_RATE_LIMITED: situation,
  BILLING_UNAVAILABLE: situation,
  BILLING_BAD_RESPONSE: { exit: 1, http: 502 },
  BILLING_FAILED: situation,
  // Object Storage.
  S3_READ_FAILED: situation,
  S3_OBJECT_CHANGED: situation,
  S3_LIST_FAILED: situation,
  // Function outcomes that make the platform retry or report a failed run.
  INGEST_RETRY: situation,
  ACCRUAL_FAILED: situation,
  // The portal API's answers (codes of its JSON error body).
  bad_request: usage,
  unauthorized: { exit: 1, http: 401 },
  forbidden: { exit: 1, http: 403 },
  not_found: notFound,
  method_not_allowed: { exit: 2, http: 405 },
  internal: bug,
  // Bugs: a store called with what the domain never produces, a query answer we did not expect.
  INVALID_BATCH: bug,
  INVALID_RECORD: bug,
  INVALID_ENTRY: bug,
  INVALID_RANGE: bug,
  INVALID_FILTER: bug,
  YDB_TRUNCATED: bug,
  YDB_BAD_ROW: bug,
  YDB_BAD_REQUEST: bug,
  YDB_INTERNAL_ERROR: bug,
  INTERNAL: bug,
} as const satisfies Record<string, Meaning>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** The base of every error the system throws on purpose: a typed code, a message for people, a cause. */
export class RebatesError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The code of any thrown value: a RebatesError's own, else INTERNAL (an error we did not expect is a bug). */
export function errorCodeOf(error: unknown): ErrorCode {
  return error instanceof RebatesError ? error.code : 'INTERNAL';
}

export function exitStatusOf(error: unknown): ExitStatus {
  return ERROR_CODES[errorCodeOf(error)].exit;
}

export function httpStatusOf(code: ErrorCode): HttpStatus {
  return ERROR_CODES[code].http;
}

/** A YDB status name (`OVERLOADED`) as an error code; a status we do not list is YDB_FAILED. */
export function ydbErrorCode(statusName: string | undefined): ErrorCode {
  const code = `YDB_${statusName ?? 'FAILED'}`;
  return isErrorCode(code) ? code : 'YDB_FAILED';
}
