/**
 * A small YQL lint for the adapter's query constants (and the DDL). It does not replace YDB's
 * parser; it catches what would slip through review: template interpolation, string literals
 * standing in for parameters, unbalanced brackets, statements of an unexpected kind or shape,
 * `$params` used but not DECLAREd (or declared but unused), unparseable DECLARE types, unknown
 * tables and aliases — and reads that cannot be linear in YDB: a LIMIT above a JOIN (the limit
 * cannot apply below the join, so every page re-reads what follows the cursor) and optional
 * filters written `($p IS NULL OR col = $p)` (not a key range: one query per access path instead).
 */
import { parseType } from './fake/yql-types';

const STATEMENT_KINDS = ['DECLARE', 'SELECT', 'UPSERT', 'REPLACE', 'INSERT', 'UPDATE', 'DELETE', 'CREATE'] as const;
const IDENT = '[A-Za-z_][A-Za-z0-9_]*';
const PARAM_RE = /\$[A-Za-z_][A-Za-z0-9_]*/g;

/** Removes comments; reports string literals (values belong in parameters). */
export function stripComments(text: string, issues: string[] = []): string {
  let out = '';
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (ch === '-' && text[i + 1] === '-') {
      while (i < text.length && text[i] !== '\n') i += 1;
      out += '\n';
    } else if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) issues.push('unterminated /* comment');
      i = end < 0 ? text.length : end + 1;
      out += ' ';
    } else if (ch === "'" || ch === '"') {
      const end = text.indexOf(ch, i + 1);
      issues.push(
        `string literal ${text.slice(i, end < 0 ? undefined : end + 1)} at offset ${i}: values must travel as DECLAREd parameters`,
      );
      i = end < 0 ? text.length : end;
      out += ' ';
    } else {
      out += ch;
    }
  }
  return out;
}

/** `$name` → declared type text, in declaration order. */
export function declaredParams(text: string): Map<string, string> {
  const declared = new Map<string, string>();
  for (const match of stripComments(text).matchAll(/DECLARE\s+(\$[A-Za-z_][A-Za-z0-9_]*)\s+AS\s+([^;]+);/g)) {
    if (match[1] && match[2]) declared.set(match[1], match[2].trim());
  }
  return declared;
}

/** `$names` bound by a named expression (`$page = (SELECT …);`): not parameters. */
function namedExpressions(text: string): Set<string> {
  const names = splitStatements(stripComments(text)).flatMap((s) => /^(\$[A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(s)?.[1] ?? []);
  return new Set(names);
}

/** `$names` referenced outside DECLARE statements (named expressions excluded). */
export function usedParams(text: string): Set<string> {
  const body = splitStatements(stripComments(text))
    .filter((s) => !/^DECLARE\b/.test(s))
    .join(';');
  const named = namedExpressions(text);
  return new Set((body.match(PARAM_RE) ?? []).filter((name) => !named.has(name)));
}

function checkBrackets(text: string, issues: string[]): void {
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  const stack: string[] = [];
  for (const [i, ch] of [...text].entries()) {
    if (ch === '(' || ch === '[' || ch === '{') stack.push(ch);
    else if (ch in pairs) {
      if (stack.pop() !== pairs[ch]) {
        issues.push(`unbalanced "${ch}" at offset ${i}`);
        return;
      }
    }
  }
  if (stack.length > 0) issues.push(`unclosed "${stack.join('')}"`);
}

/** Splits at top-level semicolons; a trailing part without `;` is reported by the caller. */
function splitStatements(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth += 1;
    if (ch === ')') depth = Math.max(0, depth - 1);
    if (ch === ';' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) parts.push(current.trim());
  return parts.filter(Boolean);
}

/** Top-level (depth 0) positions of a keyword, case-insensitive, whole word. */
function topLevel(text: string, keyword: string): number[] {
  const found: number[] = [];
  const re = new RegExp(`(?<![$\\w])${keyword.replace(' ', '\\s+')}\\b`, 'gi');
  for (const match of text.matchAll(re)) {
    const before = text.slice(0, match.index);
    const depth = (before.match(/\(/g) ?? []).length - (before.match(/\)/g) ?? []).length;
    if (depth === 0) found.push(match.index ?? 0);
  }
  return found;
}

interface LintContext {
  issues: string[];
  /** Named expressions defined so far (`$page`). */
  named?: Set<string>;
  tables: ReadonlySet<string> | undefined;
}

function checkTable(name: string, ctx: LintContext, where: string): void {
  if (ctx.tables && !ctx.tables.has(name)) ctx.issues.push(`${where}: unknown table "${name}"`);
}

function splitTopLevelCommas(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth += 1;
    if (ch === ')') depth -= 1;
    if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  parts.push(current.trim());
  return parts;
}

function checkSelect(statement: string, ctx: LintContext): void {
  const clauses = ['SELECT', 'FROM', 'WHERE', 'GROUP BY', 'ORDER BY', 'LIMIT'];
  const at = clauses.map((c) => topLevel(statement, c));
  at.forEach((positions, i) => {
    if (positions.length > 1) ctx.issues.push(`SELECT: ${clauses[i]} appears ${positions.length} times at top level`);
  });
  const order = at.map((p) => p[0]).filter((p): p is number => p !== undefined);
  if (at[0]?.[0] !== 0) ctx.issues.push('SELECT: statement must start with SELECT');
  if (order.some((p, i) => i > 0 && p < (order[i - 1] ?? 0))) ctx.issues.push(`SELECT: clauses out of order (${clauses.join(' … ')})`);
  const fromAt = at[1]?.[0];
  const projection = statement.slice(6, fromAt ?? statement.length).trim();
  if (projection === '' || splitTopLevelCommas(projection).some((item) => item === '')) ctx.issues.push('SELECT: empty projection item');
  if (fromAt === undefined) return;
  const fromEnd = Math.min(...[at[2], at[3], at[4], at[5]].map((p) => p?.[0] ?? statement.length));
  const source = statement.slice(fromAt + 4, fromEnd).trim();
  const aliases = new Set<string>();
  const parts = source.split(/\b(?:INNER\s+|LEFT\s+|RIGHT\s+|CROSS\s+)?JOIN\b/i).map((p) => p.trim());
  if (parts.length > 1 && at[5]?.[0] !== undefined) {
    ctx.issues.push(
      'SELECT: LIMIT above a JOIN cannot apply below the join (each page re-reads everything after the cursor): limit a single-table read ($page = (SELECT … LIMIT …)) and join that',
    );
  }
  parts.forEach((part, i) => {
    const [target, on] = part.split(/\bON\b/i).map((p) => p.trim());
    if (i > 0 && !on) ctx.issues.push(`SELECT: JOIN ${target ?? ''} without ON`);
    const match = new RegExp(
      `^(AS_TABLE\\((\\$${IDENT.slice(0)})\\)|(\\$${IDENT})|(${IDENT})(?:\\s+VIEW\\s+${IDENT})?)(?:\\s+AS\\s+(${IDENT}))?$`,
      'i',
    ).exec(target ?? '');
    if (!match) {
      ctx.issues.push(
        `SELECT: cannot read source "${target ?? ''}" (expected table [VIEW index] [AS alias], $named [AS alias] or AS_TABLE($param) [AS alias])`,
      );
      return;
    }
    if (match[3] && !ctx.named?.has(match[3])) ctx.issues.push(`SELECT: ${match[3]} is not a named expression defined above`);
    if (match[4]) checkTable(match[4], ctx, 'SELECT');
    aliases.add(match[5] ?? match[4] ?? '');
  });
  for (const ref of statement.matchAll(new RegExp(`\\b(${IDENT})\\.(${IDENT})\\b`, 'g'))) {
    if (ref[1] && !aliases.has(ref[1])) ctx.issues.push(`SELECT: "${ref[0]}" uses an alias that no FROM/JOIN defines`);
  }
}

function checkStatement(statement: string, ctx: LintContext, declared: Map<string, string>): void {
  const named = new RegExp(`^(\\$${IDENT})\\s*=\\s*\\(\\s*(SELECT[\\s\\S]+?)\\s*\\)$`).exec(statement);
  if (named?.[1] && named[2]) {
    checkSelect(named[2].replace(/\s+/g, ' '), ctx);
    (ctx.named ??= new Set()).add(named[1]);
    return;
  }
  const kind = STATEMENT_KINDS.find((k) => new RegExp(`^${k}\\b`).test(statement));
  if (kind === undefined) {
    ctx.issues.push(`statement is not one of ${STATEMENT_KINDS.join('/')}: "${statement.slice(0, 40)}"`);
    return;
  }
  const body = statement.replace(/\s+/g, ' ');
  switch (kind) {
    case 'DECLARE': {
      const match = new RegExp(`^DECLARE (\\$${IDENT}) AS (.+)$`).exec(body);
      if (!match?.[1] || !match[2]) return void ctx.issues.push(`malformed DECLARE: "${body}"`);
      if (declared.has(match[1])) ctx.issues.push(`${match[1]} is declared twice`);
      declared.set(match[1], match[2]);
      try {
        parseType(match[2]);
      } catch (error) {
        ctx.issues.push(`DECLARE ${match[1]}: ${(error as Error).message}`);
      }
      return;
    }
    case 'SELECT':
      checkSelect(body, ctx);
      return;
    case 'UPSERT':
    case 'REPLACE':
    case 'INSERT': {
      const match = new RegExp(`^${kind} INTO (${IDENT}) (SELECT .+)$`).exec(body);
      if (!match?.[1] || !match[2]) {
        ctx.issues.push(`${kind}: expected "${kind} INTO table SELECT …"`);
        return;
      }
      checkTable(match[1], ctx, kind);
      checkSelect(match[2], ctx);
      return;
    }
    case 'DELETE': {
      const match = new RegExp(`^DELETE FROM (${IDENT}) (?:ON (SELECT .+)|WHERE .+)$`).exec(body);
      if (!match?.[1]) return void ctx.issues.push('DELETE: expected "DELETE FROM table ON SELECT …" or "… WHERE …"');
      checkTable(match[1], ctx, 'DELETE');
      if (match[2]) checkSelect(match[2], ctx);
      return;
    }
    case 'UPDATE': {
      const match = new RegExp(`^UPDATE (${IDENT}) SET (.+?) WHERE .+$`).exec(body);
      if (!match?.[1] || !match[2]) return void ctx.issues.push('UPDATE: expected "UPDATE table SET col = expr, … WHERE …"');
      checkTable(match[1], ctx, 'UPDATE');
      for (const assignment of splitTopLevelCommas(match[2])) {
        if (!new RegExp(`^${IDENT} = \\S`).test(assignment)) ctx.issues.push(`UPDATE: malformed assignment "${assignment}"`);
      }
      return;
    }
    case 'CREATE': {
      const withAt = topLevel(body, 'WITH')[0];
      const table = withAt === undefined ? body : body.slice(0, withAt).trim();
      if (withAt !== undefined && !/^WITH \(\s*[A-Z_]+ = \S[\s\S]*\)$/.test(body.slice(withAt)))
        ctx.issues.push('CREATE: malformed WITH (…) settings');
      const match = new RegExp(`^CREATE TABLE (${IDENT}) \\((.+)\\)$`).exec(table);
      if (!match?.[2]) return void ctx.issues.push('CREATE: expected "CREATE TABLE name (columns…, PRIMARY KEY (…))"');
      const columns = new Set<string>();
      let key: string[] = [];
      const indexed: string[] = [];
      for (const part of splitTopLevelCommas(match[2])) {
        const pk = /^PRIMARY KEY \((.+)\)$/.exec(part);
        const index = new RegExp(`^INDEX ${IDENT} GLOBAL (?:SYNC )?ON \\(([^)]+)\\)(?: COVER \\(([^)]+)\\))?$`).exec(part);
        if (pk?.[1]) key = pk[1].split(',').map((c) => c.trim());
        else if (part.startsWith('INDEX ')) {
          if (!index?.[1]) ctx.issues.push(`CREATE: malformed index "${part}"`);
          else
            indexed.push(
              ...`${index[1]},${index[2] ?? ''}`
                .split(',')
                .map((c) => c.trim())
                .filter(Boolean),
            );
        } else {
          const column = new RegExp(`^(${IDENT}) (.+?)( NOT NULL)?$`).exec(part);
          if (!column?.[1] || !column[2]) ctx.issues.push(`CREATE: malformed column "${part}"`);
          else {
            columns.add(column[1]);
            try {
              parseType(column[2]);
            } catch (error) {
              ctx.issues.push(`CREATE: column ${column[1]}: ${(error as Error).message}`);
            }
          }
        }
      }
      if (key.length === 0) ctx.issues.push('CREATE: no PRIMARY KEY');
      for (const k of key) if (!columns.has(k)) ctx.issues.push(`CREATE: key column ${k} is not declared`);
      for (const c of indexed) if (!columns.has(c)) ctx.issues.push(`CREATE: index column ${c} is not declared`);
    }
  }
}

/** Every problem found in one query text; an empty list means it passed. */
export function lintYql(text: string, tables?: ReadonlySet<string>): string[] {
  const ctx: LintContext = { issues: [], tables };
  if (text.includes('${')) ctx.issues.push('template interpolation ("${") in query text');
  if (/IS\s+NULL\s+OR\b/i.test(stripComments(text)))
    ctx.issues.push('an optional filter "($p IS NULL OR col = $p)" is not a key range: write one query per access path');
  const code = stripComments(text, ctx.issues);
  checkBrackets(code, ctx.issues);
  if (code.trim() !== '' && !code.trim().endsWith(';')) ctx.issues.push('last statement does not end with ";"');
  const declared = new Map<string, string>();
  const statements = splitStatements(code);
  if (statements.length === 0) ctx.issues.push('no statement');
  for (const statement of statements) checkStatement(statement, ctx, declared);
  const used = usedParams(text);
  for (const name of used) if (!declared.has(name)) ctx.issues.push(`${name} is used but not DECLAREd`);
  for (const name of declared.keys()) if (!used.has(name)) ctx.issues.push(`${name} is DECLAREd but never used`);
  return ctx.issues;
}
