/**
 * The columns of Billing's usage-details export, in Billing's order (reference/yandex-platform.md).
 * The parser finds columns by name; this list is for writing realistic exports (demo, bench, tests).
 * Partner exports carry a `reward` column too since 2026-01-17.
 */
export const BILLING_EXPORT_COLUMNS = [
  'billing_account_id',
  'billing_account_name',
  'cloud_id',
  'cloud_name',
  'folder_id',
  'folder_name',
  'resource_id',
  'service_id',
  'service_name',
  'sku_id',
  'sku_name',
  'date',
  'currency',
  'pricing_quantity',
  'pricing_unit',
  'cost',
  'credit',
  'monetary_grant_credit',
  'volume_incentive_credit',
  'cud_credit',
  'misc_credit',
  'label.user_labels.env',
  'locale',
  'updated_at',
  'exported_at',
] as const;
