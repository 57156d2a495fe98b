terraform {
  required_version = ">= 1.5"

  required_providers {
    yandex = {
      source  = "yandex-cloud/yandex"
      version = ">= 0.140"
    }
  }
}

# Credentials come from the environment (YC_TOKEN, or YC_SERVICE_ACCOUNT_KEY_FILE), never from
# these files: see README.md.
provider "yandex" {
  cloud_id  = var.cloud_id
  folder_id = var.folder_id
}

locals {
  # `npm run build` writes one zip per function here (scripts/build.ts).
  dist = "${path.module}/../dist/functions"
}
