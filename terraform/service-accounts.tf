# One service account per function and per trigger, each with only the roles it needs, granted on
# the one resource it needs them for (ydb.tf, storage.tf, functions.tf, triggers.tf). No account
# holds a folder-wide admin, editor or owner role. The two folder-level grants are Message Queue
# roles (triggers.tf): YMQ has no per-queue access bindings.

resource "yandex_iam_service_account" "ingest_usage" {
  name        = "${var.name_prefix}-ingest-usage"
  description = "ingest-usage function: YDB data, the export-reader S3 key from Lockbox."
}

resource "yandex_iam_service_account" "accrue_rebates" {
  name        = "${var.name_prefix}-accrue-rebates"
  description = "accrue-rebates function: YDB data."
}

resource "yandex_iam_service_account" "operator" {
  name        = "${var.name_prefix}-operator"
  description = "operator function: YDB data and schema (migrate), the export-reader S3 key from Lockbox."
}

resource "yandex_iam_service_account" "portal" {
  name        = "${var.name_prefix}-portal"
  description = "portal-api and portal-authorizer functions: read-only YDB."
}

resource "yandex_iam_service_account" "export_reader" {
  name        = "${var.name_prefix}-export-reader"
  description = "Owns the static S3 key (in Lockbox) that reads the export bucket; storage.viewer on that bucket only."
}

resource "yandex_iam_service_account" "storage_trigger" {
  name        = "${var.name_prefix}-storage-trigger"
  description = "Object Storage trigger: invokes ingest-usage, writes undeliverable batches to the dead-letter queue."
}

resource "yandex_iam_service_account" "timer_trigger" {
  name        = "${var.name_prefix}-timer-trigger"
  description = "Quarterly timer: invokes accrue-rebates."
}

resource "yandex_iam_service_account" "gateway" {
  name        = "${var.name_prefix}-gateway"
  description = "API Gateway: invokes portal-api and portal-authorizer."
}

resource "yandex_iam_service_account" "queue_manager" {
  name        = "${var.name_prefix}-queue-manager"
  description = "Used by Terraform only, to create and delete the dead-letter queue (YMQ is managed through static keys)."
}
