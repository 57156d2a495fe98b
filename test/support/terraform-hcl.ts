/**
 * Reads `terraform/*.tf` with @cdktf/hcl2json (the HCL parser Terraform uses, compiled to wasm) and
 * answers the questions the HCL suite and the deploy rehearsal ask: which resources exist, where
 * each was declared, what a `${...}` reference points at. Nothing here evaluates Terraform beyond
 * `var.*` defaults, `local.*` strings and `path.module`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from '@cdktf/hcl2json';

export const TERRAFORM_DIR = resolve(import.meta.dirname, '../../terraform');

export type Block = Record<string, unknown>;

export interface ResourceBlock {
  type: string;
  name: string;
  /** `terraform/<file>.tf`, for error messages. */
  file: string;
  body: Block;
}

export interface TerraformConfig {
  dir: string;
  files: string[];
  resources: ResourceBlock[];
  variables: Record<string, Block>;
  locals: Record<string, unknown>;
  outputs: Record<string, Block>;
  terraformBlocks: Block[];
}

/** Parses every `*.tf` in `dir`; a resource, variable, local or output declared twice is an error. */
export async function loadTerraform(dir = TERRAFORM_DIR): Promise<TerraformConfig> {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.tf'))
    .sort();
  const config: TerraformConfig = { dir, files, resources: [], variables: {}, locals: {}, outputs: {}, terraformBlocks: [] };
  for (const file of files) {
    const where = `terraform/${file}`;
    let json: Record<string, unknown>;
    try {
      json = await parse(file, readFileSync(join(dir, file), 'utf8'));
    } catch (error) {
      throw new Error(`${where}: not valid HCL: ${String(error)}`, { cause: error });
    }
    for (const [type, byName] of Object.entries((json.resource ?? {}) as Record<string, Record<string, Block[]>>)) {
      for (const [name, bodies] of Object.entries(byName)) {
        if (config.resources.some((r) => r.type === type && r.name === name))
          throw new Error(`${where}: ${type}.${name} is declared twice`);
        config.resources.push({ type, name, file: where, body: single(bodies, `${where}: ${type}.${name}`) });
      }
    }
    mergeUnique(config.variables, (json.variable ?? {}) as Record<string, Block[]>, where, 'variable', true);
    mergeUnique(config.outputs, (json.output ?? {}) as Record<string, Block[]>, where, 'output', true);
    for (const block of (json.locals ?? []) as Block[]) mergeUnique(config.locals, block, where, 'local', false);
    config.terraformBlocks.push(...((json.terraform ?? []) as Block[]));
  }
  return config;
}

function single(bodies: Block[], where: string): Block {
  if (bodies.length !== 1 || !bodies[0]) throw new Error(`${where}: expected one block, found ${bodies.length}`);
  return bodies[0];
}

function mergeUnique(target: Record<string, unknown>, source: Record<string, unknown>, where: string, kind: string, blocks: boolean): void {
  for (const [key, value] of Object.entries(source)) {
    if (key in target) throw new Error(`${where}: ${kind} "${key}" is declared twice`);
    target[key] = blocks ? single(value as Block[], `${where}: ${kind} ${key}`) : value;
  }
}

export function resourcesOf(config: TerraformConfig, type: string): ResourceBlock[] {
  return config.resources.filter((r) => r.type === type);
}

export function findResource(config: TerraformConfig, type: string, name: string): ResourceBlock | undefined {
  return config.resources.find((r) => r.type === type && r.name === name);
}

/** The blocks of a nested block type (`content { }`, `secrets { }` …): hcl2json gives arrays. */
export function nestedBlocks(body: Block, key: string): Block[] {
  const value = body[key];
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`expected "${key}" to be a block, got ${JSON.stringify(value)}`);
  return value as Block[];
}

/** `${yandex_function.portal_api.id}` → `yandex_function.portal_api.id`; anything else → undefined. */
export function wholeReference(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^\$\{([A-Za-z_][\w.\-[\]"]*)\}$/.exec(value);
  return match?.[1];
}

/** A reference `<type>.<name>.<attribute>` split into its parts, or undefined. */
export function resourceReference(value: unknown): { type: string; name: string; attribute: string } | undefined {
  const expression = wholeReference(value);
  const match = expression ? /^([a-z][a-z0-9_]*)\.([A-Za-z_][\w-]*)\.([a-z_]+)$/.exec(expression) : null;
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  return { type: match[1], name: match[2], attribute: match[3] };
}

export function variableDefault(config: TerraformConfig, name: string): unknown {
  const variable = config.variables[name];
  if (!variable) throw new Error(`var.${name} is not declared in terraform/*.tf`);
  if (!('default' in variable)) throw new Error(`var.${name} has no default: supply a value for it`);
  return variable.default;
}

/**
 * Replaces every `${expr}` in a string: `path.module` → the Terraform directory, `local.x` → that
 * local (itself interpolated), anything else → `lookup(expr)`, which returns the value or throws.
 */
export function interpolate(config: TerraformConfig, value: string, lookup: (expression: string) => string): string {
  return value.replace(/\$\{([^{}]+)\}/g, (_, expression: string) => {
    const expr = expression.trim();
    if (expr === 'path.module') return config.dir;
    const local = /^local\.([\w-]+)$/.exec(expr);
    if (local?.[1]) {
      const localValue = config.locals[local[1]];
      if (typeof localValue !== 'string') throw new Error(`local.${local[1]} is not a string local (got ${JSON.stringify(localValue)})`);
      return interpolate(config, localValue, lookup);
    }
    return lookup(expr);
  });
}

/** `var.x` → its default as a string; any other expression is an error naming it. */
export function defaultsOnly(config: TerraformConfig): (expression: string) => string {
  return (expression) => {
    const variable = /^var\.([\w-]+)$/.exec(expression);
    if (!variable?.[1]) throw new Error(`cannot evaluate \${${expression}} offline`);
    return String(variableDefault(config, variable[1]));
  };
}
