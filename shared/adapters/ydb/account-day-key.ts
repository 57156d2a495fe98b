/**
 * The key of an account-day in usage_aggregates and account_day_versions, as the adapter sends it:
 * every query and BulkUpsert builds it here, so the key's shape lives in one place.
 */
import type { StructFields } from './values';

/** The key columns of an account-day, in key order. */
export const ACCOUNT_DAY_KEY: StructFields = { day: { scalar: 'Date' }, account_id: { scalar: 'Utf8' } };

/** The key cells of an account-day. */
export function accountDayKey(accountId: string, day: string): { day: string; account_id: string } {
  return { day, account_id: accountId };
}
