/**
 * The Yandex Cloud timer cron form (platform notes: Triggers): six fields in UTC —
 * Minutes Hours Day-of-month Month Day-of-week Year — with `?` in exactly one of the two day fields.
 * Returns what is wrong with an expression; an empty list means it has that form.
 */
const FIELDS = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day-of-week', min: 1, max: 7 },
  { name: 'year', min: 1970, max: 2099 },
] as const;

export function yandexCronProblems(expression: string): string[] {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 6)
    return [`expected 6 fields (Minutes Hours Day-of-month Month Day-of-week Year), got ${fields.length}: "${expression}"`];
  const problems: string[] = [];
  const [, , dayOfMonth, , dayOfWeek] = fields;
  if ((dayOfMonth === '?') === (dayOfWeek === '?'))
    problems.push(`exactly one of day-of-month ("${dayOfMonth}") and day-of-week ("${dayOfWeek}") must be "?"`);
  fields.forEach((field, i) => {
    const spec = FIELDS[i];
    if (!spec || field === '*' || (field === '?' && (i === 2 || i === 4))) return;
    for (const part of field.split(',')) {
      const match = /^(\d+)(?:-(\d+))?(?:\/(\d+))?$/.exec(part) ?? /^\*\/(\d+)$/.exec(part);
      const numbers = match
        ? match
            .slice(1)
            .filter((n): n is string => n !== undefined)
            .map(Number)
        : [];
      const bounds = part.startsWith('*/') ? [] : numbers.slice(0, 2);
      if (!match || bounds.some((n) => n < spec.min || n > spec.max))
        problems.push(`${spec.name} "${part}" is not a value, range or step within ${spec.min}..${spec.max}`);
    }
  });
  return problems;
}

/** The months a cron's month field fires in (1..12), for a field of numbers, ranges and `*`. */
export function cronMonths(expression: string): number[] {
  const field = expression.trim().split(/\s+/)[3] ?? '';
  if (field === '*') return Array.from({ length: 12 }, (_, i) => i + 1);
  return field.split(',').flatMap((part) => {
    const [from, to] = part.split('-').map(Number);
    if (from === undefined || Number.isNaN(from)) return [];
    return Array.from({ length: (to ?? from) - from + 1 }, (_, i) => from + i);
  });
}
