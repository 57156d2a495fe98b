# API Gateway in front of the partner portal (SPEC section 9): the page at /, the API at /v1/...
# behind the function authorizer. The spec is JSON (valid YAML, as API Gateway reads it) so the
# HCL test can parse it.
locals {
  gateway_spec_vars = {
    title                         = "${var.name_prefix} partner portal"
    portal_api_function_id        = yandex_function.portal_api.id
    portal_authorizer_function_id = yandex_function.portal_authorizer.id
    gateway_service_account_id    = yandex_iam_service_account.gateway.id
    authorizer_cache_seconds      = var.authorizer_cache_seconds
  }
}

resource "yandex_api_gateway" "portal" {
  name        = "${var.name_prefix}-portal"
  description = "Partner portal: Rebate accrual balance"
  spec        = templatefile("${path.module}/gateway/openapi.json.tftpl", local.gateway_spec_vars)

  depends_on = [
    yandex_function_iam_member.gateway_invokes_portal_api,
    yandex_function_iam_member.gateway_invokes_portal_authorizer,
  ]
}
