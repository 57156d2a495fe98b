/**
 * The functions Terraform deploys and the environment each one gets, read from `terraform/*.tf`.
 * The deploy rehearsal runs the built zips with exactly this environment; the HCL suite checks it
 * against shared/config.ts. Terraform references are replaced through a caller-supplied resolver.
 */
import { basename } from 'node:path';
import {
  interpolate,
  loadTerraform,
  nestedBlocks,
  resourcesOf,
  TERRAFORM_DIR,
  variableDefault,
  type TerraformConfig,
} from './terraform-hcl';

export interface TerraformFunction {
  /** The resource label in kebab case: `ingest_usage` → `ingest-usage`, `portal_authorizer` → `portal-authorizer`. */
  name: string;
  /** `yandex_function.<label>`, for messages and references. */
  address: string;
  file: string;
  runtime: unknown;
  entrypoint: unknown;
  /** The export the runtime calls: `index.handler` → `handler`; undefined when the entrypoint has another form. */
  exportName: string | undefined;
  /** The zip's path expression as written in `content { zip_filename }`. */
  zipExpression: unknown;
  /** The built function the zip holds (`dist/functions/<bundle>.zip` → `<bundle>`), or undefined. */
  bundle: string | undefined;
  userHash: unknown;
  serviceAccountId: unknown;
  /** `environment = { … }` as written (values may hold `${…}` references). */
  environment: Record<string, unknown>;
  /** `secrets { }` blocks: Lockbox entries mapped to environment variables. */
  secrets: { id: unknown; versionId: unknown; key: unknown; environmentVariable: unknown }[];
}

/** One Terraform value a function's environment needs, handed to the resolver. */
export interface TerraformReference {
  /** TerraformFunction.name of the function whose environment holds the value. */
  functionName: string;
  /** The environment variable. */
  variable: string;
  /**
   * For `source: 'environment'`: the expression inside `${…}`, e.g.
   * `yandex_ydb_database_serverless.rebates.ydb_full_endpoint` or `var.log_level`.
   * For `source: 'secret'`: the Lockbox secret's id expression, e.g. `yandex_lockbox_secret.export_reader_s3_key.id`.
   */
  expression: string;
  source: 'environment' | 'secret';
  /** For a secret: the Lockbox entry key (`access_key_id`, `secret_access_key`). */
  secretKey?: string;
}

/** Returns the local value for a reference; undefined falls back to a `var.*` default, else it is an error. */
export type ReferenceResolver = (reference: TerraformReference) => string | undefined;

export async function terraformFunctions(config?: TerraformConfig): Promise<TerraformFunction[]> {
  const tf = config ?? (await loadTerraform(TERRAFORM_DIR));
  return resourcesOf(tf, 'yandex_function').map(({ name, file, body }) => {
    const zipExpression = nestedBlocks(body, 'content')[0]?.zip_filename;
    const zipName = typeof zipExpression === 'string' ? basename(zipExpression) : '';
    const entrypoint = body.entrypoint;
    return {
      name: name.replace(/_/g, '-'),
      address: `yandex_function.${name}`,
      file,
      runtime: body.runtime,
      entrypoint,
      exportName: typeof entrypoint === 'string' ? /^index\.([A-Za-z_$][\w$]*)$/.exec(entrypoint)?.[1] : undefined,
      zipExpression,
      bundle: /^([a-z][a-z0-9-]*)\.zip$/.exec(zipName)?.[1],
      userHash: body.user_hash,
      serviceAccountId: body.service_account_id,
      environment: (body.environment ?? {}) as Record<string, unknown>,
      secrets: nestedBlocks(body, 'secrets').map((s) => ({
        id: s.id,
        versionId: s.version_id,
        key: s.key,
        environmentVariable: s.environment_variable,
      })),
    };
  });
}

/**
 * Each deployed function's environment — plain `environment` keys and Lockbox-mapped `secrets` —
 * keyed by TerraformFunction.name, with every `${…}` replaced: first by `resolve`, then (for
 * `var.*`) by the variable's default. An unresolvable reference throws, naming function and key.
 */
export async function functionEnvironments(
  resolve: ReferenceResolver,
  config?: TerraformConfig,
): Promise<Record<string, Record<string, string>>> {
  const tf = config ?? (await loadTerraform(TERRAFORM_DIR));
  const result: Record<string, Record<string, string>> = {};
  for (const fn of await terraformFunctions(tf)) {
    const env: Record<string, string> = {};
    for (const [variable, raw] of Object.entries(fn.environment)) {
      if (typeof raw !== 'string')
        throw new Error(`${fn.file}: ${fn.address} environment ${variable} must be a string, got ${JSON.stringify(raw)}`);
      env[variable] = interpolate(tf, raw, (expression) => {
        const value = resolve({ functionName: fn.name, variable, expression, source: 'environment' }) ?? varDefault(tf, expression);
        if (value === undefined)
          throw new Error(
            `${fn.file}: ${fn.address} environment ${variable}: no value for \${${expression}} (the resolver returned undefined)`,
          );
        return value;
      });
    }
    for (const secret of fn.secrets) {
      const variable = String(secret.environmentVariable);
      if (variable in env) throw new Error(`${fn.file}: ${fn.address}: ${variable} is set both in environment and by a secret`);
      const expression = typeof secret.id === 'string' ? secret.id.replace(/^\$\{(.*)\}$/, '$1') : String(secret.id);
      const value = resolve({ functionName: fn.name, variable, expression, source: 'secret', secretKey: String(secret.key) });
      if (value === undefined)
        throw new Error(
          `${fn.file}: ${fn.address} secret ${variable} (${expression} / ${String(secret.key)}): the resolver returned undefined`,
        );
      env[variable] = value;
    }
    result[fn.name] = env;
  }
  return result;
}

function varDefault(config: TerraformConfig, expression: string): string | undefined {
  const match = /^var\.([\w-]+)$/.exec(expression);
  if (!match?.[1]) return undefined;
  const value = variableDefault(config, match[1]);
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}
