/** The one error taxonomy: every error class carries a code the table defines; the table says exit and HTTP status. */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../cli/action-argv';
import { AccrualRunError } from '../../functions/accrue-rebates/handler';
import { S3SourceError } from '../../shared/adapters/s3/s3-export-source';
import { ActionValidationError } from '../../shared/actions/schema';
import { ConfigError } from '../../shared/config';
import { DecimalFormatError } from '../../shared/domain/money';
import { RulesValidationError } from '../../shared/domain/rules';
import { ERROR_CODES, errorCodeOf, exitStatusOf, httpStatusOf, RebatesError, ydbErrorCode } from '../../shared/errors';
import { ExportReadError } from '../../shared/usecases/ingest-export';
import { ExportPathError } from '../../shared/ingest/local-source';
import { BillingApiError } from '../../shared/ports/billing';
import { LedgerConflictError, StoreError } from '../../shared/ports/store';
import { PortalError } from '../../shared/portal/http';
import { EventValidationError } from '../../shared/runtime/events';
import { IngestRetryError } from '../../shared/usecases/ingest-from-storage';

describe('error taxonomy', () => {
  it.each([
    [new UsageError('x'), 'USAGE', 2],
    [new ActionValidationError(['x']), 'ACTION_INVALID', 2],
    [new EventValidationError(['x']), 'EVENT_INVALID', 2],
    [new ConfigError(['x']), 'CONFIG_INVALID', 1],
    [new RulesValidationError('r.json', ['x']), 'RULES_INVALID', 1],
    [new DecimalFormatError('1,5', 'comma'), 'DECIMAL_FORMAT', 2],
    [new ExportPathError('x'), 'EXPORT_PATH', 1],
    [new ExportReadError('x'), 'EXPORT_READ', 1],
    [new StoreError('STORE_BUSY', 'x'), 'STORE_BUSY', 1],
    [new StoreError('INVALID_BATCH', 'x'), 'INVALID_BATCH', 70],
    [new LedgerConflictError('e-1'), 'LEDGER_CONFLICT', 1],
    [new BillingApiError('BILLING_PERMISSION_DENIED', 'CustomerService.List', 'x'), 'BILLING_PERMISSION_DENIED', 1],
    [new S3SourceError('OBJECT_NOT_FOUND', 'x'), 'OBJECT_NOT_FOUND', 1],
    [new PortalError('forbidden', 'x'), 'forbidden', 1],
    [
      new IngestRetryError({
        ok: false,
        counts: { applied: 0, stale: 0, rejected: 0, failed: 1, ignored: 0 },
        items: [],
        resumeAfter: null,
      }),
      'INGEST_RETRY',
      1,
    ],
    [new AccrualRunError({ ok: false, today: '2026-04-01', quarters: [] }), 'ACCRUAL_FAILED', 1],
  ] as const)('%s carries its code, its class name and the exit status the table gives', (error, code, exit) => {
    expect(error).toBeInstanceOf(RebatesError);
    expect(error.code).toBe(code);
    expect(error.name).toBe(error.constructor.name);
    expect(exitStatusOf(error)).toBe(exit);
  });

  it('treats anything that is not one of ours as a bug: exit 70, HTTP 500', () => {
    expect(errorCodeOf(new TypeError('boom'))).toBe('INTERNAL');
    expect(exitStatusOf(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBe(70);
    expect(httpStatusOf('INTERNAL')).toBe(500);
  });

  it('gives the portal its HTTP statuses from the same table', () => {
    expect(
      ['bad_request', 'unauthorized', 'forbidden', 'not_found', 'method_not_allowed', 'internal'].map((c) =>
        httpStatusOf(c as keyof typeof ERROR_CODES),
      ),
    ).toEqual([400, 401, 403, 404, 405, 500]);
  });

  it('maps YDB status names onto the table, an unlisted one to YDB_FAILED', () => {
    expect(ydbErrorCode('OVERLOADED')).toBe('YDB_OVERLOADED');
    expect(ydbErrorCode('SOMETHING_NEW')).toBe('YDB_FAILED');
    expect(ydbErrorCode(undefined)).toBe('YDB_FAILED');
  });

  it('never maps bad input to exit 70', () => {
    for (const [code, meaning] of Object.entries(ERROR_CODES)) {
      if (meaning.http === 400 || meaning.http === 422 || meaning.http === 409) expect(meaning.exit, code).not.toBe(70);
    }
  });
});
