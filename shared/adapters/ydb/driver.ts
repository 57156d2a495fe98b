/**
 * One YDB driver per process (or per function container), created once and reused by every call.
 * In the cloud the function's IAM token authenticates (`TokenAuthService`); locally the standard
 * `YDB_*_CREDENTIALS` variables do (`getCredentialsFromEnv`).
 */
import { StoreError } from '../../ports/store';
import {
  MetadataAuthService,
  TokenAuthService,
  YdbDriver,
  getCredentialsFromEnv,
  guardSessionPrepopulation,
  type IAuthService,
  type Logger,
} from './sdk';

export interface YdbConnection {
  /** `grpcs://host:2135`, or a full `…:2135/?database=/ru-central1/…` (Terraform's ydb_full_endpoint). */
  endpoint: string;
  /** `/ru-central1/<cloud>/<db>`; optional when the endpoint carries `?database=`. */
  database?: string;
  /** An IAM token (a function's `context.token.access_token`); without it, credentials come from the environment. */
  accessToken?: string;
  /** Explicit credentials (tests use AnonymousAuthService); wins over `accessToken`. */
  authService?: IAuthService;
  logger?: Logger;
  /** Most table sessions the driver's pool holds (the SDK's default is 20). */
  maxSessions?: number;
}

export interface ResolvedYdbConnection {
  connectionString: string;
  database: string;
}

/**
 * Builds the SDK connection string as `<scheme>://<host>/<database>`. ydb-sdk 5.11 reads the
 * database from the URL path before `?database=`, so `…:2135/?database=/x` would yield "/".
 */
export function resolveYdbConnection(input: { endpoint: string; database?: string }): ResolvedYdbConnection {
  let url: URL;
  try {
    url = new URL(input.endpoint);
  } catch (cause) {
    throw new StoreError('YDB_CONFIG', `YDB endpoint "${input.endpoint}" is not a URL (expected grpc://host:port or grpcs://host:port)`, {
      cause,
    });
  }
  if (url.protocol !== 'grpc:' && url.protocol !== 'grpcs:') {
    throw new StoreError('YDB_CONFIG', `YDB endpoint "${input.endpoint}" must start with grpc:// or grpcs://`);
  }
  const fromPath = url.pathname.length > 1 ? url.pathname : undefined;
  const database = input.database ?? url.searchParams.get('database') ?? fromPath;
  if (!database?.startsWith('/')) {
    throw new StoreError(
      'YDB_CONFIG',
      `YDB database is missing or not a path (got "${database ?? ''}"): set YDB_DATABASE=/ru-central1/<cloud>/<db> or ?database= in the endpoint`,
    );
  }
  return { connectionString: `${url.protocol}//${url.host}${database}`, database };
}

/**
 * The SDK's environment credentials, minus its last resort: without any YDB_*_CREDENTIALS it
 * falls back to MetadataAuthService, which needs the optional `@yandex-cloud/nodejs-sdk@2` peer
 * (not installed, and it breaks bundling) — fail here with what to set instead.
 */
function credentialsFromEnv(logger: Logger | undefined): IAuthService {
  const service = getCredentialsFromEnv(logger);
  if (service instanceof MetadataAuthService) {
    throw new StoreError(
      'YDB_CONFIG',
      'no usable YDB credentials: pass the function token (accessToken) or set YDB_ACCESS_TOKEN_CREDENTIALS, YDB_SERVICE_ACCOUNT_KEY_FILE_CREDENTIALS or YDB_ANONYMOUS_CREDENTIALS=1 (local YDB); the metadata service is not supported',
    );
  }
  return service;
}

/** Creates the driver; call once and keep it (module scope in a function). */
export function createYdbDriver(input: YdbConnection): YdbDriver {
  const { connectionString } = resolveYdbConnection(input);
  guardSessionPrepopulation();
  const authService = input.authService ?? (input.accessToken ? new TokenAuthService(input.accessToken) : credentialsFromEnv(input.logger));
  return new YdbDriver({
    connectionString,
    authService,
    ...(input.logger ? { logger: input.logger } : {}),
    ...(input.maxSessions !== undefined ? { poolSettings: { maxLimit: input.maxSessions } } : {}),
  });
}

/**
 * Waits for endpoint discovery. On failure the driver is destroyed (which stops its discovery
 * timer) and a StoreError says where it tried to connect.
 */
export async function waitForYdb(driver: YdbDriver, connection: { endpoint: string }, timeoutMs = 10_000): Promise<void> {
  let failure: unknown;
  let ready = false;
  try {
    ready = await driver.ready(timeoutMs);
  } catch (cause) {
    failure = cause;
  }
  if (ready) return;
  await destroyYdbDriver(driver);
  const why = failure instanceof Error ? failure.message : `no answer within ${timeoutMs} ms`;
  throw new StoreError('YDB_UNAVAILABLE', `cannot reach YDB at ${connection.endpoint}: ${why}`, { cause: failure });
}

/** Closes sessions and timers; never throws (shutdown must not mask the caller's own error). */
export async function destroyYdbDriver(driver: YdbDriver): Promise<void> {
  try {
    await driver.destroy();
  } catch {
    // Sessions on a dead endpoint cannot be deleted; the server drops them on its own.
  }
}
