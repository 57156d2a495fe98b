/**
 * ydb-sdk 5.11 reads `process.env.YDB_ENDPOINT` by itself: `Endpoint.toString()` returns it (scheme
 * stripped) as the gRPC target of every session call, in place of the nodes discovery returned.
 * Terraform gives `ydb_full_endpoint` (`grpcs://host:2135/?database=/ru-central1/…`), so every
 * table call would fail with "Failed to parse DNS address". We keep the variable's name (the YDB
 * convention operators know): configuration reads it once (shared/config.ts), then it is taken
 * out of the environment before a driver exists, so the SDK uses discovery as it should.
 * `test/ydb/ydb-endpoint-variable.test.ts` fails loudly if the SDK stops reading the variable.
 */
export function hideYdbEndpointFromSdk(env: NodeJS.ProcessEnv = process.env): void {
  delete env['YDB_ENDPOINT'];
}
