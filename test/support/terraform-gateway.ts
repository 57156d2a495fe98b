/**
 * The API Gateway spec as Terraform renders it: `spec = templatefile(<file>, local.<vars>)`, with
 * every resource reference in the vars replaced by a marker `ref:<expression>` so the parsed
 * OpenAPI document can be followed back to the resources it names.
 */
import { readFileSync } from 'node:fs';
import { defaultsOnly, interpolate, wholeReference, type ResourceBlock, type TerraformConfig } from './terraform-hcl';

export const REF_MARKER = 'ref:';

export interface RenderedSpec {
  templateFile: string;
  /** The parsed document (JSON, which API Gateway reads as YAML). */
  document: Record<string, unknown>;
}

export function renderGatewaySpec(config: TerraformConfig, gateway: ResourceBlock): RenderedSpec {
  const spec = gateway.body.spec;
  const call = typeof spec === 'string' ? /^\$\{templatefile\("([^"]+)",\s*local\.([\w]+)\)\}$/.exec(spec) : null;
  if (!call?.[1] || !call[2])
    throw new Error(
      `${gateway.file}: yandex_api_gateway.${gateway.name} spec must be templatefile("<file>", local.<vars>), got ${JSON.stringify(spec)}`,
    );
  const templateFile = interpolate(config, call[1], defaultsOnly(config));
  const vars = config.locals[call[2]];
  if (!vars || typeof vars !== 'object') throw new Error(`local.${call[2]} (the template's variables) is not an object`);

  const values: Record<string, string> = {};
  for (const [name, raw] of Object.entries(vars as Record<string, unknown>)) {
    const reference = wholeReference(raw);
    values[name] =
      reference && !reference.startsWith('var.') && !reference.startsWith('local.')
        ? `${REF_MARKER}${reference}`
        : interpolate(config, String(raw), defaultsOnly(config));
  }

  const text = readFileSync(templateFile, 'utf8');
  if (/%\{|\$\$\{/.test(text)) throw new Error(`${templateFile}: template directives or escapes are not supported by this check`);
  const rendered = text.replace(/\$\{([^{}]*)\}/g, (_, name: string) => {
    const value = values[name.trim()];
    if (value === undefined)
      throw new Error(
        `${templateFile}: \${${name}} is not among local.${call[2]}'s keys (${Object.keys(values).join(', ')}): templatefile would fail`,
      );
    return value;
  });
  try {
    return { templateFile, document: JSON.parse(rendered) as Record<string, unknown> };
  } catch (error) {
    throw new Error(`${templateFile}: the rendered spec is not JSON: ${String(error)}`, { cause: error });
  }
}

/** Every `x-yc-apigateway-integration` / `-authorizer` object in the document, with its JSON path. */
export function extensionsIn(document: unknown, key: string, path = '$'): { path: string; value: Record<string, unknown> }[] {
  if (!document || typeof document !== 'object') return [];
  return Object.entries(document as Record<string, unknown>).flatMap(([k, v]) =>
    k === key && v && typeof v === 'object'
      ? [{ path: `${path}.${k}`, value: v as Record<string, unknown> }]
      : extensionsIn(v, key, `${path}.${k}`),
  );
}

/** `ref:yandex_function.portal_api.id` → `{ type, name, attribute }`. */
export function markedReference(value: unknown): { type: string; name: string; attribute: string } | undefined {
  if (typeof value !== 'string' || !value.startsWith(REF_MARKER)) return undefined;
  const [type, name, attribute] = value.slice(REF_MARKER.length).split('.');
  return type && name && attribute ? { type, name, attribute } : undefined;
}
