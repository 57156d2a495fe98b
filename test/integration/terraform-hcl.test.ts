/**
 * SPEC §10: the Terraform configuration checked against the code, offline. terraform/*.tf is parsed
 * with @cdktf/hcl2json; the functions are built into a temporary dir and each entrypoint is looked
 * up in its bundle with plain node; environments are validated by shared/config.ts itself.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFunctions } from '../../scripts/build';
import { configSchema, loadConfig } from '../../shared/config';
import { functionEnvironments, terraformFunctions, type ReferenceResolver } from '../support/terraform-env';
import { PAGE_FILES } from '../../shared/portal/page-files';
import { extensionsIn, markedReference, renderGatewaySpec } from '../support/terraform-gateway';
import {
  defaultsOnly,
  findResource,
  interpolate,
  loadTerraform,
  nestedBlocks,
  resourceReference,
  resourcesOf,
  variableDefault,
  wholeReference,
} from '../support/terraform-hcl';
import { cronMonths, yandexCronProblems } from '../support/yandex-cron';

const REPO = resolve(import.meta.dirname, '../..');
const YDB_FULL_ENDPOINT = 'grpcs://ydb.serverless.yandexcloud.net:2135/?database=/ru-central1/b1g/etn';

/** What Terraform would put there, in the same form: a realistic stand-in per reference. */
const realistic: ReferenceResolver = (ref) => {
  if (ref.source === 'secret')
    return ref.secretKey === 'access_key_id' ? 'YCAJEexampleKeyId0000' : 'YCexampleSecretAccessKey000000000000000';
  if (ref.expression.endsWith('.ydb_full_endpoint')) return YDB_FULL_ENDPOINT;
  return undefined; // var.* → the variable's default
};

const tf = await loadTerraform();
const functions = await terraformFunctions(tf);
const environments = await functionEnvironments(realistic, tf);
const schemaKeys = Object.keys(configSchema.shape);

let out: string;
let bundles: Map<string, string>;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'rebates-tf-build-'));
  bundles = new Map((await buildFunctions(out)).map((b) => [b.name, b.bundle]));
}, 180_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** `serviceAccount:${yandex_iam_service_account.x.id}` → `x`. */
function memberAccount(member: unknown): string | undefined {
  const match = typeof member === 'string' ? /^serviceAccount:\$\{yandex_iam_service_account\.([\w-]+)\.id\}$/.exec(member) : null;
  return match?.[1];
}

/** Role grants: one entry per member of every *_iam_member / *_iam_binding resource. */
const grants = tf.resources
  .filter((r) => /_iam_(member|binding)$/.test(r.type))
  .flatMap((r) =>
    (r.type.endsWith('_iam_binding') ? (r.body.members as unknown[]) : [r.body.member]).map((member) => ({
      resource: r,
      role: r.body.role,
      member,
      account: memberAccount(member),
    })),
  );

function hasGrant(type: string, targetKey: string, target: string, role: string, account: string): boolean {
  return grants.some((g) => g.resource.type === type && g.resource.body[targetKey] === target && g.role === role && g.account === account);
}

describe('terraform/*.tf', () => {
  it('parses every file and requires the yandex-cloud/yandex provider', () => {
    expect(tf.files.length).toBeGreaterThan(3);
    const providers = tf.terraformBlocks.flatMap((b) => nestedBlocks(b, 'required_providers'));
    expect(providers.map((p) => (p.yandex as { source?: string } | undefined)?.source)).toContain('yandex-cloud/yandex');
  });

  it('refers only to variables, locals and resources it declares (what terraform validate would catch offline)', () => {
    const strings = (value: unknown): string[] =>
      typeof value === 'string' ? [value] : value && typeof value === 'object' ? Object.values(value).flatMap(strings) : [];
    const everything = [...tf.resources.map((r) => r.body), tf.locals, tf.outputs, tf.variables];
    const dangling = new Set<string>();
    for (const text of everything.flatMap(strings).filter((t) => t.includes('${'))) {
      for (const [, kind, name] of text.matchAll(/\b(var|local)\.([\w-]+)/g)) {
        if (!(name! in (kind === 'var' ? tf.variables : tf.locals))) dangling.add(`${kind}.${name}`);
      }
      for (const [, type, name] of text.matchAll(/\b(yandex_[a-z0-9_]+)\.([A-Za-z_][\w-]*)/g)) {
        if (!findResource(tf, type!, name!)) dangling.add(`${type}.${name}`);
      }
    }
    expect([...dangling]).toEqual([]);
  });

  it('deploys the four functions of §7 and §9 plus the portal authorizer', () => {
    expect(functions.map((f) => f.name).sort()).toEqual(['accrue-rebates', 'ingest-usage', 'operator', 'portal-api', 'portal-authorizer']);
  });
});

describe.each(functions)('function $name', (fn) => {
  it('runs on nodejs22', () => {
    expect(fn.runtime, `${fn.file}: ${fn.address}`).toBe('nodejs22');
  });

  it('has an entrypoint that is a function exported by its built bundle', () => {
    expect(fn.exportName, `${fn.file}: ${fn.address} entrypoint ${String(fn.entrypoint)} must be index.<export>`).toBeDefined();
    expect(fn.bundle, `${fn.file}: ${fn.address} zip_filename ${String(fn.zipExpression)} must end in <function>.zip`).toBeDefined();
    const bundle = bundles.get(fn.bundle ?? '');
    if (!bundle) {
      expect.fail(
        `${fn.file}: ${fn.address} deploys ${fn.bundle}.zip, but functions/${fn.bundle}/handler.ts does not exist, so npm run build makes no such zip`,
      );
    }
    const probe = spawnSync(
      process.execPath,
      [
        '-e',
        'const m = require(process.argv[1]); process.stdout.write(JSON.stringify(Object.fromEntries(Object.keys(m).map((k) => [k, typeof m[k]]))))',
        bundle,
      ],
      {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '' },
      },
    );
    expect(probe.stderr, `loading ${fn.bundle} bundle`).toBe('');
    const exportTypes = JSON.parse(probe.stdout) as Record<string, string>;
    expect(
      exportTypes[fn.exportName ?? ''],
      `${fn.address} entrypoint ${String(fn.entrypoint)}; the bundle exports ${JSON.stringify(exportTypes)}`,
    ).toBe('function');
  });

  it('deploys dist/functions/<bundle>.zip with user_hash = filesha256 of that zip', () => {
    expect(fn.userHash).toBe(`\${filesha256("${String(fn.zipExpression)}")}`);
    const zipPath = interpolate(tf, String(fn.zipExpression), defaultsOnly(tf));
    expect(resolve(zipPath)).toBe(join(REPO, 'dist/functions', `${fn.bundle}.zip`));
  });

  it('sets only environment keys the config schema knows, secrets included', () => {
    const keys = [...Object.keys(fn.environment), ...fn.secrets.map((s) => String(s.environmentVariable))];
    expect(
      keys.filter((k) => !schemaKeys.includes(k)),
      `${fn.address}: keys unknown to shared/config.ts (${schemaKeys.join(', ')})`,
    ).toEqual([]);
  });

  it('gets an environment that shared/config.ts accepts as the YDB store at ydb_full_endpoint', () => {
    const config = loadConfig(environments[fn.name] ?? {});
    expect(config.REBATES_STORE).toBe('ydb');
    expect(config.YDB_ENDPOINT).toBe(YDB_FULL_ENDPOINT);
    expect(fn.environment.YDB_ENDPOINT).toBe('${yandex_ydb_database_serverless.rebates.ydb_full_endpoint}');
    expect(config.LOG_LEVEL).toBe(variableDefault(tf, 'log_level'));
  });

  it('takes memory and timeout from the per-function variables, within the platform limits', () => {
    const body = findResource(tf, 'yandex_function', fn.address.split('.')[1] ?? '')?.body ?? {};
    expect(body.memory).toBe(`\${var.function_memory_mb["${fn.name}"]}`);
    expect(body.execution_timeout).toBe(`\${var.function_timeout_seconds["${fn.name}"]}`);
    const memory = (variableDefault(tf, 'function_memory_mb') as Record<string, number>)[fn.name];
    const timeout = (variableDefault(tf, 'function_timeout_seconds') as Record<string, number>)[fn.name];
    expect(memory !== undefined && memory >= 128 && memory <= 8192 && memory % 128 === 0, `memory ${memory}`).toBe(true);
    expect(timeout !== undefined && timeout >= 1 && timeout <= 600, `timeout ${timeout}`).toBe(true);
  });

  it('runs as a service account declared here', () => {
    const ref = resourceReference(fn.serviceAccountId);
    expect(ref?.type).toBe('yandex_iam_service_account');
    expect(findResource(tf, 'yandex_iam_service_account', ref?.name ?? '')).toBeDefined();
  });
});

describe('environment check', () => {
  it('fails for an environment the schema rejects (no YDB_ENDPOINT), so passing means something', () => {
    const { YDB_ENDPOINT: _dropped, ...withoutEndpoint } = environments['ingest-usage'] ?? {};
    expect(() => loadConfig(withoutEndpoint)).toThrow(/YDB_ENDPOINT/);
  });

  it('gives the functions that read the export bucket both S3 keys from a Lockbox secret they may read', () => {
    for (const name of ['ingest-usage', 'operator']) {
      const fn = functions.find((f) => f.name === name);
      const config = loadConfig(environments[name] ?? {});
      expect(config.S3_ACCESS_KEY_ID, name).toBeDefined();
      expect(config.S3_SECRET_ACCESS_KEY, name).toBeDefined();
      const account = resourceReference(fn?.serviceAccountId)?.name ?? '';
      for (const secret of fn?.secrets ?? []) {
        const ref = resourceReference(secret.id);
        const secretName = ref?.name ?? '';
        expect(ref?.type).toBe('yandex_lockbox_secret');
        expect(resourceReference(secret.versionId)).toEqual({ type: 'yandex_lockbox_secret_version', name: secretName, attribute: 'id' });
        const entries = nestedBlocks(findResource(tf, 'yandex_lockbox_secret_version', secretName)?.body ?? {}, 'entries').map(
          (e) => e.key,
        );
        expect(entries, `${name}: ${String(secret.environmentVariable)}`).toContain(secret.key);
        expect(
          hasGrant(
            'yandex_lockbox_secret_iam_member',
            'secret_id',
            `\${yandex_lockbox_secret.${secretName}.id}`,
            'lockbox.payloadViewer',
            account,
          ),
          `${name} may read ${secretName}`,
        ).toBe(true);
      }
    }
  });
});

describe('triggers', () => {
  const triggers = resourcesOf(tf, 'yandex_function_trigger');

  it('each invokes a function declared here, as its own account holding functions.functionInvoker on that function', () => {
    expect(triggers.length).toBe(2);
    for (const trigger of triggers) {
      const target = nestedBlocks(trigger.body, 'function')[0] ?? {};
      const fnRef = resourceReference(target.id);
      const account = resourceReference(target.service_account_id)?.name ?? '';
      expect(fnRef?.type, `${trigger.file}: ${trigger.name}`).toBe('yandex_function');
      expect(findResource(tf, 'yandex_function', fnRef?.name ?? ''), `${trigger.name} → ${String(target.id)}`).toBeDefined();
      expect(
        hasGrant('yandex_function_iam_member', 'function_id', String(target.id), 'functions.functionInvoker', account),
        `${trigger.name}: ${account} invokes ${fnRef?.name}`,
      ).toBe(true);
      // Platform limits: 1..5 retries, 10..60 s apart.
      const attempts = Number(interpolate(tf, String(target.retry_attempts), defaultsOnly(tf)));
      const interval = Number(interpolate(tf, String(target.retry_interval), defaultsOnly(tf)));
      expect(attempts, `${trigger.name} retry_attempts`).toBeGreaterThanOrEqual(1);
      expect(attempts, `${trigger.name} retry_attempts`).toBeLessThanOrEqual(5);
      expect(interval, `${trigger.name} retry_interval`).toBeGreaterThanOrEqual(10);
      expect(interval, `${trigger.name} retry_interval`).toBeLessThanOrEqual(60);
    }
  });

  it('runs ingest-usage on created and updated files below the export prefix, with a dead-letter queue it may write to', () => {
    const trigger = triggers.find((t) => nestedBlocks(t.body, 'object_storage').length === 1);
    const storage = nestedBlocks(trigger?.body ?? {}, 'object_storage')[0] ?? {};
    expect(nestedBlocks(trigger?.body ?? {}, 'function')[0]?.id).toBe('${yandex_function.ingest_usage.id}');
    expect(storage).toMatchObject({
      bucket_id: '${yandex_storage_bucket.exports.bucket}',
      prefix: '${var.export_prefix}',
      create: true,
      update: true,
    });
    const batchSize = Number(interpolate(tf, String(storage.batch_size), defaultsOnly(tf)));
    expect(batchSize).toBeGreaterThanOrEqual(1);
    expect(batchSize).toBeLessThanOrEqual(10);
    expect(storage.batch_cutoff).toBeDefined();
    const dlq = nestedBlocks(trigger?.body ?? {}, 'dlq')[0] ?? {};
    const queue = resourceReference(dlq.queue_id);
    expect(queue).toMatchObject({ type: 'yandex_message_queue', attribute: 'arn' });
    expect(findResource(tf, 'yandex_message_queue', queue?.name ?? '')).toBeDefined();
    const writer = resourceReference(dlq.service_account_id)?.name;
    expect(
      grants.some((g) => g.resource.type === 'yandex_resourcemanager_folder_iam_member' && g.role === 'ymq.writer' && g.account === writer),
    ).toBe(true);
  });

  it('runs accrue-rebates on a Yandex 6-field UTC cron with one day field "?", quarterly by default, with a payload', () => {
    const trigger = triggers.find((t) => nestedBlocks(t.body, 'timer').length === 1);
    const timer = nestedBlocks(trigger?.body ?? {}, 'timer')[0] ?? {};
    expect(nestedBlocks(trigger?.body ?? {}, 'function')[0]?.id).toBe('${yandex_function.accrue_rebates.id}');
    expect('payload' in timer).toBe(true);
    const cron = interpolate(tf, String(timer.cron_expression), defaultsOnly(tf));
    expect(yandexCronProblems(cron), `var.timer_cron default "${cron}"`).toEqual([]);
    expect(cronMonths(cron)).toEqual([1, 4, 7, 10]);
  });

  it('the cron check rejects the 5-field form and a cron without "?"', () => {
    expect(yandexCronProblems('0 3 1 1,4,7,10 *')).not.toEqual([]);
    expect(yandexCronProblems('0 3 1 1,4,7,10 1 *')).not.toEqual([]);
  });
});

describe('access', () => {
  it('grants no admin, editor or owner role, and on the folder only Message Queue roles (YMQ has no per-queue bindings)', () => {
    expect(grants.length).toBeGreaterThan(5);
    expect(
      grants.filter((g) => ['admin', 'editor', 'owner'].includes(String(g.role))).map((g) => `${g.resource.type}.${g.resource.name}`),
    ).toEqual([]);
    const broad = grants.filter((g) => /^yandex_(resourcemanager|organizationmanager|billing)_/.test(g.resource.type));
    expect(
      broad
        .filter((g) => g.resource.type !== 'yandex_resourcemanager_folder_iam_member' || !String(g.role).startsWith('ymq.'))
        .map((g) => `${g.resource.name}: ${String(g.role)}`),
    ).toEqual([]);
  });

  it('grants roles only to service accounts declared here, never to all users', () => {
    for (const g of grants) {
      expect(g.account, `${g.resource.file}: ${g.resource.type}.${g.resource.name} member ${String(g.member)}`).toBeDefined();
      expect(findResource(tf, 'yandex_iam_service_account', g.account ?? '')).toBeDefined();
    }
  });

  it('keeps the export bucket private and unencrypted, as billing exports require', () => {
    const bucket = findResource(tf, 'yandex_storage_bucket', 'exports')?.body ?? {};
    expect(bucket.acl).toBe('private');
    expect(bucket.server_side_encryption_configuration).toBeUndefined();
    expect(bucket.policy).toBeUndefined();
    expect(nestedBlocks(bucket, 'anonymous_access_flags')[0]).toEqual({ read: false, list: false, config_read: false });
  });
});

describe('API Gateway', () => {
  const gateway = resourcesOf(tf, 'yandex_api_gateway')[0];
  // Rendered inside each test, so a broken template fails a test with its reason.
  const render = () => {
    if (!gateway) throw new Error('terraform/*.tf declares no yandex_api_gateway');
    const spec = renderGatewaySpec(tf, gateway).document;
    return { spec, paths: (spec.paths ?? {}) as Record<string, Record<string, Record<string, unknown>>> };
  };

  it('renders an OpenAPI 3 spec whose integrations and authorizers name functions declared here', () => {
    const { spec } = render();
    expect(String(spec.openapi)).toMatch(/^3\./);
    const named = [...extensionsIn(spec, 'x-yc-apigateway-integration'), ...extensionsIn(spec, 'x-yc-apigateway-authorizer')];
    expect(named.length).toBeGreaterThanOrEqual(3);
    for (const { path, value } of named) {
      const fn = markedReference(value.function_id);
      expect(fn, path).toMatchObject({ type: 'yandex_function', attribute: 'id' });
      expect(findResource(tf, 'yandex_function', fn?.name ?? ''), path).toBeDefined();
      const account = markedReference(value.service_account_id)?.name ?? '';
      expect(
        hasGrant('yandex_function_iam_member', 'function_id', `\${yandex_function.${fn?.name}.id}`, 'functions.functionInvoker', account),
        `${path}: ${account} invokes ${fn?.name}`,
      ).toBe(true);
    }
  });

  it('serves the page at / and the API at /v1/{proxy+} from portal-api with payload 0.1', () => {
    const { paths } = render();
    const page = paths['/']?.get?.['x-yc-apigateway-integration'] as Record<string, unknown> | undefined;
    const api = paths['/v1/{proxy+}']?.['x-yc-apigateway-any-method']?.['x-yc-apigateway-integration'] as
      | Record<string, unknown>
      | undefined;
    for (const integration of [page, api]) {
      expect(integration).toMatchObject({
        type: 'cloud_functions',
        payload_format_version: '0.1',
        function_id: 'ref:yandex_function.portal_api.id',
      });
    }
  });

  it('routes every file of the page to portal-api, without a token', () => {
    const { paths } = render();
    for (const { url } of PAGE_FILES) {
      const route = paths[url]?.get;
      expect(route?.['x-yc-apigateway-integration'], `${url} is routed`).toMatchObject({
        function_id: 'ref:yandex_function.portal_api.id',
        payload_format_version: '0.1',
      });
      expect(route?.security, `${url} loads without a token`).toBeUndefined();
    }
  });

  it('guards the API routes with the function authorizer index.authorize of the portal bundle', () => {
    const { spec, paths } = render();
    const security = paths['/v1/{proxy+}']?.['x-yc-apigateway-any-method']?.security as Record<string, unknown>[] | undefined;
    const schemeName = Object.keys(security?.[0] ?? {})[0] ?? '';
    const schemes = ((spec.components as Record<string, unknown> | undefined)?.securitySchemes ?? {}) as Record<
      string,
      Record<string, unknown>
    >;
    const authorizer = schemes[schemeName]?.['x-yc-apigateway-authorizer'] as Record<string, unknown> | undefined;
    expect(authorizer?.type, `security scheme "${schemeName}"`).toBe('function');
    const fn = functions.find((f) => f.address === `yandex_function.${markedReference(authorizer?.function_id)?.name}`);
    expect(fn).toMatchObject({ entrypoint: 'index.authorize', bundle: 'portal-api' });
    expect(paths['/']?.get?.security, 'the page itself loads without a token').toBeUndefined();
  });
});

describe('outputs', () => {
  it('give an operator the function ids and names, bucket, YDB endpoint, portal URL, dead-letter queue and invoke examples', () => {
    expect(Object.keys(tf.outputs)).toEqual(
      expect.arrayContaining([
        'function_ids',
        'function_names',
        'export_bucket',
        'ydb_full_endpoint',
        'portal_url',
        'dead_letter_queue_url',
        'invoke_examples',
      ]),
    );
    const examples = (tf.outputs.invoke_examples?.value ?? {}) as Record<string, string>;
    expect(Object.values(examples).some((e) => e.startsWith('yc serverless function invoke ${yandex_function.'))).toBe(true);
    expect(wholeReference(tf.outputs.ydb_full_endpoint?.value)).toBe('yandex_ydb_database_serverless.rebates.ydb_full_endpoint');
  });
});
