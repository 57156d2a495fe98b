/** zod issues as "path: reason" lines, the one format every edge reports problems in (rules, config, events, actions, rows). */
import type { z } from 'zod';

function formatPath(path: readonly PropertyKey[]): string {
  return path.length === 0
    ? '(root)'
    : path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
        .join('')
        .replace(/^\./, '');
}

/** Lists every zod issue as "path: reason". */
export function describeZodIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
}
