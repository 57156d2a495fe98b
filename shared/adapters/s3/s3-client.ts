/**
 * The S3 client for Object Storage, built from configuration only (endpoint, region, static
 * keys, path style). Works against `storage.yandexcloud.net` and against s3rver on loopback.
 */
import { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../../config';

export function createS3Client(config: Config): S3Client {
  return new S3Client({
    endpoint: config.S3_ENDPOINT,
    region: config.S3_REGION,
    forcePathStyle: config.S3_FORCE_PATH_STYLE === 'true',
    // Without static keys the SDK's default provider chain is used (e.g. AWS_* variables).
    ...(config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY
      ? { credentials: { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY } }
      : {}),
    // SDK ≥ 3.729 adds CRC32 checksums to every request and validates them on every response by
    // default; s3rver then stores streamed uploads corrupted, and Object Storage does not need
    // them. Only send/validate checksums where an operation requires them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
