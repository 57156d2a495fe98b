# The bucket billing exports usage details to. Billing requires it private, unencrypted and without
# a bucket policy, so none of those is set here.
resource "yandex_storage_bucket" "exports" {
  bucket    = var.export_bucket_name
  folder_id = var.folder_id
  acl       = "private"

  anonymous_access_flags {
    read        = false
    list        = false
    config_read = false
  }
}

# The only reader of the bucket: a key-holding account with storage.viewer on this bucket alone.
# Storage bindings exist per role and bucket only (no *_iam_member), and are authoritative for
# the role on this bucket, which Terraform owns.
resource "yandex_storage_bucket_iam_binding" "exports_viewer" {
  bucket  = yandex_storage_bucket.exports.bucket
  role    = "storage.viewer"
  members = ["serviceAccount:${yandex_iam_service_account.export_reader.id}"]
}

resource "yandex_iam_service_account_static_access_key" "export_reader" {
  service_account_id = yandex_iam_service_account.export_reader.id
  description        = "S3 key of ingest-usage and operator (via Lockbox): read the export bucket"
}

# The functions read S3 with static keys (S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY of
# shared/config.ts); Lockbox keeps them out of the function's plain environment.
resource "yandex_lockbox_secret" "export_reader_s3_key" {
  name        = "${var.name_prefix}-export-reader-s3-key"
  description = "Static S3 key of ${yandex_iam_service_account.export_reader.name}"
}

resource "yandex_lockbox_secret_version" "export_reader_s3_key" {
  secret_id = yandex_lockbox_secret.export_reader_s3_key.id

  entries {
    key        = "access_key_id"
    text_value = yandex_iam_service_account_static_access_key.export_reader.access_key
  }

  entries {
    key        = "secret_access_key"
    text_value = yandex_iam_service_account_static_access_key.export_reader.secret_key
  }
}

resource "yandex_lockbox_secret_iam_member" "ingest_usage_reads_s3_key" {
  secret_id = yandex_lockbox_secret.export_reader_s3_key.id
  role      = "lockbox.payloadViewer"
  member    = "serviceAccount:${yandex_iam_service_account.ingest_usage.id}"
}

resource "yandex_lockbox_secret_iam_member" "operator_reads_s3_key" {
  secret_id = yandex_lockbox_secret.export_reader_s3_key.id
  role      = "lockbox.payloadViewer"
  member    = "serviceAccount:${yandex_iam_service_account.operator.id}"
}
