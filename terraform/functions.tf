# The functions, from the zips `npm run build` writes (scripts/build.ts). user_hash is the zip's
# sha256, so Terraform creates a new version exactly when the code changes. Environment keys are
# those of shared/config.ts only (test/integration/terraform-hcl.test.ts checks it).

resource "yandex_function" "ingest_usage" {
  name               = "${var.name_prefix}-ingest-usage"
  description        = "Billing export files (storage trigger, manual {bucket,key|prefix}) -> usage store"
  runtime            = "nodejs22"
  entrypoint         = "index.handler"
  memory             = var.function_memory_mb["ingest-usage"]
  execution_timeout  = var.function_timeout_seconds["ingest-usage"]
  service_account_id = yandex_iam_service_account.ingest_usage.id
  user_hash          = filesha256("${local.dist}/ingest-usage.zip")

  content {
    zip_filename = "${local.dist}/ingest-usage.zip"
  }

  environment = {
    REBATES_STORE = "ydb"
    YDB_ENDPOINT  = yandex_ydb_database_serverless.rebates.ydb_full_endpoint
    LOG_LEVEL     = var.log_level
  }

  secrets {
    id                   = yandex_lockbox_secret.export_reader_s3_key.id
    version_id           = yandex_lockbox_secret_version.export_reader_s3_key.id
    key                  = "access_key_id"
    environment_variable = "S3_ACCESS_KEY_ID"
  }

  secrets {
    id                   = yandex_lockbox_secret.export_reader_s3_key.id
    version_id           = yandex_lockbox_secret_version.export_reader_s3_key.id
    key                  = "secret_access_key"
    environment_variable = "S3_SECRET_ACCESS_KEY"
  }

  # A version that maps a secret is refused unless its account may read the secret already.
  depends_on = [yandex_lockbox_secret_iam_member.ingest_usage_reads_s3_key]
}

resource "yandex_function" "accrue_rebates" {
  name               = "${var.name_prefix}-accrue-rebates"
  description        = "Quarterly accrual (timer; manual {quarter, dryRun}) -> ledger"
  runtime            = "nodejs22"
  entrypoint         = "index.handler"
  memory             = var.function_memory_mb["accrue-rebates"]
  execution_timeout  = var.function_timeout_seconds["accrue-rebates"]
  service_account_id = yandex_iam_service_account.accrue_rebates.id
  user_hash          = filesha256("${local.dist}/accrue-rebates.zip")

  content {
    zip_filename = "${local.dist}/accrue-rebates.zip"
  }

  environment = {
    REBATES_STORE = "ydb"
    YDB_ENDPOINT  = yandex_ydb_database_serverless.rebates.ydb_full_endpoint
    LOG_LEVEL     = var.log_level
  }
}

resource "yandex_function" "operator" {
  name               = "${var.name_prefix}-operator"
  description        = "Operator actions (the CLI's commands as {action, ...}); manual invoke only"
  runtime            = "nodejs22"
  entrypoint         = "index.handler"
  memory             = var.function_memory_mb["operator"]
  execution_timeout  = var.function_timeout_seconds["operator"]
  service_account_id = yandex_iam_service_account.operator.id
  user_hash          = filesha256("${local.dist}/operator.zip")

  content {
    zip_filename = "${local.dist}/operator.zip"
  }

  environment = {
    REBATES_STORE = "ydb"
    YDB_ENDPOINT  = yandex_ydb_database_serverless.rebates.ydb_full_endpoint
    LOG_LEVEL     = var.log_level
  }

  secrets {
    id                   = yandex_lockbox_secret.export_reader_s3_key.id
    version_id           = yandex_lockbox_secret_version.export_reader_s3_key.id
    key                  = "access_key_id"
    environment_variable = "S3_ACCESS_KEY_ID"
  }

  secrets {
    id                   = yandex_lockbox_secret.export_reader_s3_key.id
    version_id           = yandex_lockbox_secret_version.export_reader_s3_key.id
    key                  = "secret_access_key"
    environment_variable = "S3_SECRET_ACCESS_KEY"
  }

  depends_on = [yandex_lockbox_secret_iam_member.operator_reads_s3_key]
}

resource "yandex_function" "portal_api" {
  name               = "${var.name_prefix}-portal-api"
  description        = "Partner portal: the page at / and the /v1 API behind API Gateway"
  runtime            = "nodejs22"
  entrypoint         = "index.handler"
  memory             = var.function_memory_mb["portal-api"]
  execution_timeout  = var.function_timeout_seconds["portal-api"]
  service_account_id = yandex_iam_service_account.portal.id
  user_hash          = filesha256("${local.dist}/portal-api.zip")

  content {
    zip_filename = "${local.dist}/portal-api.zip"
  }

  environment = {
    REBATES_STORE = "ydb"
    YDB_ENDPOINT  = yandex_ydb_database_serverless.rebates.ydb_full_endpoint
    LOG_LEVEL     = var.log_level
  }
}

# The gateway's function authorizer: the same bundle as portal-api, its `authorize` export, so the
# token check is the one the API itself uses.
resource "yandex_function" "portal_authorizer" {
  name               = "${var.name_prefix}-portal-authorizer"
  description        = "API Gateway function authorizer: partner token -> {isAuthorized, context}"
  runtime            = "nodejs22"
  entrypoint         = "index.authorize"
  memory             = var.function_memory_mb["portal-authorizer"]
  execution_timeout  = var.function_timeout_seconds["portal-authorizer"]
  service_account_id = yandex_iam_service_account.portal.id
  user_hash          = filesha256("${local.dist}/portal-api.zip")

  content {
    zip_filename = "${local.dist}/portal-api.zip"
  }

  environment = {
    REBATES_STORE = "ydb"
    YDB_ENDPOINT  = yandex_ydb_database_serverless.rebates.ydb_full_endpoint
    LOG_LEVEL     = var.log_level
  }
}

# Who may invoke what: each trigger and the gateway, on its own functions only. Operators invoke
# the operator and accrue-rebates functions with their own accounts (README: Deploy).
resource "yandex_function_iam_member" "storage_trigger_invokes_ingest_usage" {
  function_id = yandex_function.ingest_usage.id
  role        = "functions.functionInvoker"
  member      = "serviceAccount:${yandex_iam_service_account.storage_trigger.id}"
}

resource "yandex_function_iam_member" "timer_trigger_invokes_accrue_rebates" {
  function_id = yandex_function.accrue_rebates.id
  role        = "functions.functionInvoker"
  member      = "serviceAccount:${yandex_iam_service_account.timer_trigger.id}"
}

resource "yandex_function_iam_member" "gateway_invokes_portal_api" {
  function_id = yandex_function.portal_api.id
  role        = "functions.functionInvoker"
  member      = "serviceAccount:${yandex_iam_service_account.gateway.id}"
}

resource "yandex_function_iam_member" "gateway_invokes_portal_authorizer" {
  function_id = yandex_function.portal_authorizer.id
  role        = "functions.functionInvoker"
  member      = "serviceAccount:${yandex_iam_service_account.gateway.id}"
}
