resource "yandex_ydb_database_serverless" "rebates" {
  name                = "${var.name_prefix}-ydb"
  deletion_protection = var.ydb_deletion_protection

  serverless_database {
    enable_throttling_rcu_limit = true
    throttling_rcu_limit        = var.ydb_throttling_rcu_limit
    storage_size_limit          = var.ydb_storage_size_limit_gb
  }
}

# Functions that write (ingest, accrue, operator actions incl. migrate) get ydb.editor; the
# portal only reads balances, ledger entries and token hashes.
resource "yandex_ydb_database_iam_member" "ingest_usage_editor" {
  database_id = yandex_ydb_database_serverless.rebates.id
  role        = "ydb.editor"
  member      = "serviceAccount:${yandex_iam_service_account.ingest_usage.id}"
}

resource "yandex_ydb_database_iam_member" "accrue_rebates_editor" {
  database_id = yandex_ydb_database_serverless.rebates.id
  role        = "ydb.editor"
  member      = "serviceAccount:${yandex_iam_service_account.accrue_rebates.id}"
}

resource "yandex_ydb_database_iam_member" "operator_editor" {
  database_id = yandex_ydb_database_serverless.rebates.id
  role        = "ydb.editor"
  member      = "serviceAccount:${yandex_iam_service_account.operator.id}"
}

resource "yandex_ydb_database_iam_member" "portal_viewer" {
  database_id = yandex_ydb_database_serverless.rebates.id
  role        = "ydb.viewer"
  member      = "serviceAccount:${yandex_iam_service_account.portal.id}"
}
