variable "cloud_id" {
  description = "Cloud that holds the folder."
  type        = string
}

variable "folder_id" {
  description = "Folder every resource is created in."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of every resource name (lowercase letters, digits, hyphens)."
  type        = string
  default     = "rebates"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name_prefix))
    error_message = "name_prefix: lowercase letters, digits and hyphens, starting with a letter, at most 31 characters."
  }
}

variable "export_bucket_name" {
  description = "Bucket billing writes its usage-detail exports to (globally unique name)."
  type        = string
}

variable "export_prefix" {
  description = "Key prefix billing writes under, as set in the billing export (e.g. \"partner/\"). The storage trigger fires only below it."
  type        = string
  default     = "partner/"
}

variable "timer_cron" {
  description = "Quarterly accrual timer, Yandex 6-field cron in UTC: Minutes Hours Day-of-month Month Day-of-week Year, one day field \"?\". Default: 03:00 UTC (06:00 UTC+3) on the 1st of Jan/Apr/Jul/Oct."
  type        = string
  default     = "0 3 1 1,4,7,10 ? *"

  validation {
    condition = (
      length(split(" ", var.timer_cron)) == 6 &&
      (split(" ", var.timer_cron)[2] == "?" || split(" ", var.timer_cron)[4] == "?")
    )
    error_message = "timer_cron: six space-separated fields (Minutes Hours Day-of-month Month Day-of-week Year) with \"?\" in day-of-month or day-of-week."
  }
}

variable "timer_payload" {
  description = "Timer message payload. Empty: post the last closed quarter and re-post the one before (R9). {\"quarter\":\"2026-Q1\"} pins one quarter."
  type        = string
  default     = ""
}

# Serverless YDB is billed per request unit (RU) consumed; this limit only caps the rate, it costs
# nothing by itself. The platform default (10 RU/s) is far too low for ingestion: BulkUpsert costs
# about 0.5 RU per KB-row, so a daily export aggregating to ~100,000 rows of under 1 KB costs
# ~50,000 RU, which at 10 RU/s would take ~83 minutes — beyond the 10-minute function limit and
# refused as "Throughput limit exceeded" once the burst is spent. 1000 RU/s ingests that file in
# ~50 s and leaves room for the quarterly accrual scan and a rewrite of several days at once.
# Measured on the YDB protocol fake's cost model (docs/ydb.md, `npm run bench`): the bench export
# (1M rows → 84,000 aggregates) costs ~59,500 RU to ingest first, ~399,000 RU when every
# account-day is replaced (billing's hourly rewrite), and ~88,500 RU to accrue its quarter. At
# 1000 RU/s the ~5-minute burst covers 300,000 RU and the rest waits ~100 s — inside the function's
# 10 minutes; at 10 RU/s the rewrite would take ~11 hours. The retries wait for throttling up to the
# function's remaining time and then name this variable.
# Rule of thumb: limit >= (aggregated rows per file x 0.5 RU) / (seconds you accept per file).
variable "ydb_throttling_rcu_limit" {
  description = "Serverless YDB throughput limit, request units per second (throttling_rcu_limit)."
  type        = number
  default     = 1000

  validation {
    condition     = var.ydb_throttling_rcu_limit >= 10 && floor(var.ydb_throttling_rcu_limit) == var.ydb_throttling_rcu_limit
    error_message = "ydb_throttling_rcu_limit: a whole number of RU/s, at least 10."
  }
}

variable "ydb_storage_size_limit_gb" {
  description = "Serverless YDB storage limit in GB (usage aggregates, ingest log, ledger)."
  type        = number
  default     = 20
}

variable "ydb_deletion_protection" {
  description = "Protects the database (the ledger lives there) from terraform destroy."
  type        = bool
  default     = true
}

variable "function_memory_mb" {
  description = "Memory per function, MB (multiples of 128, 128..8192; below 2 GB the CPU share grows with memory)."
  type        = map(number)
  default = {
    "ingest-usage"      = 1024
    "accrue-rebates"    = 1024
    "operator"          = 1024
    "portal-api"        = 512
    "portal-authorizer" = 128
  }

  validation {
    condition     = alltrue([for m in values(var.function_memory_mb) : m >= 128 && m <= 8192 && m % 128 == 0])
    error_message = "function_memory_mb: every value a multiple of 128 between 128 and 8192."
  }
}

variable "function_timeout_seconds" {
  description = "Execution timeout per function, seconds (at most 600)."
  type        = map(number)
  default = {
    "ingest-usage"      = 600
    "accrue-rebates"    = 600
    "operator"          = 600
    "portal-api"        = 30
    "portal-authorizer" = 10
  }

  validation {
    condition     = alltrue([for t in values(var.function_timeout_seconds) : t >= 1 && t <= 600])
    error_message = "function_timeout_seconds: every value between 1 and 600."
  }
}

variable "log_level" {
  description = "LOG_LEVEL of every function: debug, info, warn or error."
  type        = string
  default     = "info"

  validation {
    condition     = contains(["debug", "info", "warn", "error"], var.log_level)
    error_message = "log_level: one of debug, info, warn, error."
  }
}

variable "storage_trigger_batch_size" {
  description = "Export files per ingest-usage invocation (1..10). One file can take minutes; 1 keeps each file within one timeout."
  type        = number
  default     = 1
}

variable "storage_trigger_batch_cutoff_seconds" {
  description = "Longest wait to fill a storage-trigger batch, seconds."
  type        = number
  default     = 10
}

variable "trigger_retry_attempts" {
  description = "Redeliveries of a failed trigger invocation (1..5) before the message goes to the dead-letter queue."
  type        = number
  default     = 3
}

variable "trigger_retry_interval_seconds" {
  description = "Pause between redeliveries, seconds (10..60). Long, because a spent YDB burst is refused for (query cost / limit) seconds."
  type        = number
  default     = 60
}

variable "authorizer_cache_seconds" {
  description = "How long API Gateway caches a token check, seconds. A revoked token keeps working at most this long."
  type        = number
  default     = 60

  validation {
    condition     = var.authorizer_cache_seconds >= 1 && var.authorizer_cache_seconds <= 3600
    error_message = "authorizer_cache_seconds: between 1 and 3600."
  }
}
