# Object Storage trigger: every created or rewritten export file below the prefix goes to
# ingest-usage. Billing rewrites a day's file hourly, which arrives as a create; `update` (an ACL
# change) is delivered too and re-ingesting is idempotent. A batch that still fails after the
# retries lands in the dead-letter queue, where an operator can see which files to re-ingest.
resource "yandex_function_trigger" "export_created" {
  name        = "${var.name_prefix}-export-created"
  description = "Billing export file created/updated -> ingest-usage"

  object_storage {
    bucket_id    = yandex_storage_bucket.exports.bucket
    prefix       = var.export_prefix
    suffix       = ".csv"
    create       = true
    update       = true
    delete       = false
    batch_size   = var.storage_trigger_batch_size
    batch_cutoff = var.storage_trigger_batch_cutoff_seconds
  }

  function {
    id                 = yandex_function.ingest_usage.id
    service_account_id = yandex_iam_service_account.storage_trigger.id
    retry_attempts     = var.trigger_retry_attempts
    retry_interval     = var.trigger_retry_interval_seconds
  }

  dlq {
    queue_id           = yandex_message_queue.ingest_dead_letters.arn
    service_account_id = yandex_iam_service_account.storage_trigger.id
  }

  depends_on = [
    yandex_function_iam_member.storage_trigger_invokes_ingest_usage,
    yandex_resourcemanager_folder_iam_member.storage_trigger_writes_dead_letters,
  ]
}

# Quarterly timer (cron in UTC): posts the last closed quarter and re-posts the one before (R9).
resource "yandex_function_trigger" "quarterly_accrual" {
  name        = "${var.name_prefix}-quarterly-accrual"
  description = "Quarterly timer -> accrue-rebates"

  timer {
    cron_expression = var.timer_cron
    payload         = var.timer_payload
  }

  function {
    id                 = yandex_function.accrue_rebates.id
    service_account_id = yandex_iam_service_account.timer_trigger.id
    retry_attempts     = var.trigger_retry_attempts
    retry_interval     = var.trigger_retry_interval_seconds
  }

  depends_on = [yandex_function_iam_member.timer_trigger_invokes_accrue_rebates]
}

# Dead-letter queue of the storage trigger. Message Queue is managed through its SQS-compatible
# API with static keys, hence the queue-manager account and key (used by Terraform only).
resource "yandex_message_queue" "ingest_dead_letters" {
  name                      = "${var.name_prefix}-ingest-dead-letters"
  message_retention_seconds = 1209600 # 14 days, the maximum
  access_key                = yandex_iam_service_account_static_access_key.queue_manager.access_key
  secret_key                = yandex_iam_service_account_static_access_key.queue_manager.secret_key

  depends_on = [yandex_resourcemanager_folder_iam_member.queue_manager_admin]
}

resource "yandex_iam_service_account_static_access_key" "queue_manager" {
  service_account_id = yandex_iam_service_account.queue_manager.id
  description        = "Terraform: create/delete the dead-letter queue"
}

# YMQ has no per-queue access bindings: its roles exist on the folder only. These two are the only
# folder-level grants, both limited to Message Queue.
resource "yandex_resourcemanager_folder_iam_member" "queue_manager_admin" {
  folder_id = var.folder_id
  role      = "ymq.admin"
  member    = "serviceAccount:${yandex_iam_service_account.queue_manager.id}"
}

resource "yandex_resourcemanager_folder_iam_member" "storage_trigger_writes_dead_letters" {
  folder_id = var.folder_id
  role      = "ymq.writer"
  member    = "serviceAccount:${yandex_iam_service_account.storage_trigger.id}"
}
