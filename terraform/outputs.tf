output "function_ids" {
  description = "Function ids by function."
  value = {
    "ingest-usage"      = yandex_function.ingest_usage.id
    "accrue-rebates"    = yandex_function.accrue_rebates.id
    "operator"          = yandex_function.operator.id
    "portal-api"        = yandex_function.portal_api.id
    "portal-authorizer" = yandex_function.portal_authorizer.id
  }
}

output "function_names" {
  description = "Function names (what `yc serverless function invoke` takes)."
  value = {
    "ingest-usage"      = yandex_function.ingest_usage.name
    "accrue-rebates"    = yandex_function.accrue_rebates.name
    "operator"          = yandex_function.operator.name
    "portal-api"        = yandex_function.portal_api.name
    "portal-authorizer" = yandex_function.portal_authorizer.name
  }
}

output "export_bucket" {
  description = "Bucket to point the billing export at, with the prefix the trigger watches."
  value       = "${yandex_storage_bucket.exports.bucket}/${var.export_prefix}"
}

output "ydb_full_endpoint" {
  description = "YDB_ENDPOINT for the CLI (`REBATES_STORE=ydb npm run --silent rebates -- migrate`)."
  value       = yandex_ydb_database_serverless.rebates.ydb_full_endpoint
}

output "ydb_database_path" {
  description = "The database path (YDB_DATABASE, if a tool wants it separately)."
  value       = yandex_ydb_database_serverless.rebates.database_path
}

output "portal_url" {
  description = "The partner portal (API Gateway default domain)."
  value       = "https://${yandex_api_gateway.portal.domain}/"
}

output "dead_letter_queue_url" {
  description = "Storage-trigger batches that failed every retry (read with `aws sqs receive-message --endpoint https://message-queue.api.cloud.yandex.net`)."
  value       = yandex_message_queue.ingest_dead_letters.id
}

output "invoke_examples" {
  description = "Ready commands for an operator."
  value = {
    migrate = "yc serverless function invoke ${yandex_function.operator.name} -d '{\"action\":\"migrate\"}'"
    dry_run = "yc serverless function invoke ${yandex_function.accrue_rebates.name} -d '{\"quarter\":\"2026-Q1\",\"dryRun\":true}'"
    ingest  = "yc serverless function invoke ${yandex_function.ingest_usage.name} -d '{\"bucket\":\"${yandex_storage_bucket.exports.bucket}\",\"prefix\":\"${var.export_prefix}\"}'"
    logs    = "yc serverless function logs ${yandex_function.operator.name} --since 1h"
  }
}
