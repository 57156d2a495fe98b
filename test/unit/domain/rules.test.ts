import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseRules, RulesValidationError } from '../../../shared/domain/rules';
import { describeZodIssues } from '../../../shared/domain/zod-issues';
import { CLICKHOUSE, COMPUTE, rulesWith } from '../../support/domain-builders';

function problemsOf(json: unknown): string[] {
  try {
    parseRules(json, 'test.json');
  } catch (error) {
    if (error instanceof RulesValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected the rules to be rejected');
}

describe('program rules (§5)', () => {
  it('fills the documented defaults', () => {
    const v = rulesWith().versionOn('2026-01-01')!;
    expect(v.basis).toBe('paid');
    expect(v.activity).toBe('daily');
    expect(v.rounding).toEqual({ scale: 2, mode: 'half-up' });
  });

  it('picks the version with the latest effectiveFrom on or before the day, in any file order', () => {
    const rules = rulesWith({ effectiveFrom: '2026-02-15', basis: 'cost' }, { effectiveFrom: '2023-01-01' });
    expect(rules.versionOn('2022-12-31')).toBeUndefined();
    expect(rules.versionOn('2026-02-14')!.effectiveFrom).toBe('2023-01-01');
    expect(rules.versionOn('2026-02-15')!.basis).toBe('cost');
  });

  it('maps by sku first, then service, and exclusions win over both (R4)', () => {
    const rules = rulesWith({
      exclude: { services: [], skus: ['sku-excluded'] },
      specializations: {
        'infrastructure-devops': { rate: '0.03', services: [COMPUTE] },
        'data-platform': { rate: '0.05', services: [CLICKHOUSE], skus: ['sku-gpu-on-compute'] },
      },
    });
    const v = rules.versionOn('2026-01-01')!;
    expect(v.classify(COMPUTE, 'sku-plain')?.id).toBe('infrastructure-devops');
    expect(v.classify(COMPUTE, 'sku-gpu-on-compute')?.id).toBe('data-platform');
    expect(v.classify(COMPUTE, 'sku-excluded')).toBeUndefined();
    expect(v.classify('unknown-service', 'sku-plain')).toBeUndefined();
  });

  it('lists every problem with its path, not just the first', () => {
    const problems = problemsOf({
      versions: [
        {
          effectiveFrom: '2026-02-30',
          rounding: { scale: 2, mode: 'bankers' },
          specializations: {
            a: { rate: '1.5', services: ['svc'] },
            b: { rate: '0,05', services: ['svc'] },
          },
        },
      ],
    });
    expect(problems.join('\n')).toMatch(/versions\[0\]\.effectiveFrom: expected a calendar day/);
    expect(problems.join('\n')).toMatch(/versions\[0\]\.rounding\.mode/);
    expect(problems.join('\n')).toMatch(/specializations\.a\.rate: rate must be between 0 and 1/);
    expect(problems.join('\n')).toMatch(/specializations\.b\.rate: expected a decimal string/);
    expect(problems.length).toBeGreaterThanOrEqual(4);
  });

  it('rejects a service listed under two specializations of one version', () => {
    const problems = problemsOf({
      versions: [
        { effectiveFrom: '2026-01-01', specializations: { a: { rate: '0.1', services: ['svc'] }, b: { rate: '0.2', services: ['svc'] } } },
      ],
    });
    expect(problems).toEqual(['versions[0].specializations.b.services[0]: service svc is already listed under a']);
  });

  it('rejects unknown keys and duplicate effective dates', () => {
    const problems = problemsOf({
      versions: [
        { effectiveFrom: '2026-01-01', specializations: {}, rate: '0.1' },
        { effectiveFrom: '2026-01-01', specializations: {} },
      ],
    });
    expect(problems.join('\n')).toMatch(/Unrecognized key/);
    expect(problems.join('\n')).toMatch(/duplicate effectiveFrom 2026-01-01/);
  });

  it('ships a valid rules file with the seed rates and real service ids', () => {
    const shipped = JSON.parse(readFileSync('rules/program-rules.json', 'utf8'));
    const rules = parseRules(shipped);
    const v = rules.versionOn('2026-01-01')!;
    expect(Object.fromEntries([...v.specializations].map(([id, s]) => [id, s.rateText]))).toEqual({
      'infrastructure-devops': '0.03',
      'data-platform': '0.05',
      'ml-ai': '0.10',
      'business-tools': '0.30',
    });
    expect(v.classify(COMPUTE, 'any')?.id).toBe('infrastructure-devops');
    expect(v.classify(CLICKHOUSE, 'any')?.id).toBe('data-platform');
    expect(shipped.pendingServices.some((p: { service: string }) => p.service === 'Tracker')).toBe(true);
  });
});

describe('rate problems named for what they are (issue 8, class 10)', () => {
  it('reports a negative rate as negative, not as a digits problem', () => {
    const version = { effectiveFrom: '2023-01-01', specializations: { 'ml-ai': { rate: '-0.10', services: [], skus: [] } } };
    expect(() => parseRules({ versions: [version] })).toThrow(/rate -0\.10 is negative; a rate is between 0 and 1/);
  });
});

describe('program rules problems, exactly', () => {
  it('accepts a rate of exactly 1', () => {
    expect(
      parseRules({ versions: [{ effectiveFrom: '2026-01-01', specializations: { a: { rate: '1', services: ['svc'] } } }] })
        .versionOn('2026-01-01')!
        .specializations.get('a')!.rateText,
    ).toBe('1');
  });

  it('names the duplicate version by its place, a SKU listed under two specializations, and an id listed twice', () => {
    const problems = problemsOf({
      versions: [
        { effectiveFrom: '2026-01-01', specializations: {} },
        {
          effectiveFrom: '2026-01-01',
          specializations: { a: { rate: '0.1', services: ['svc', 'svc'], skus: ['sku-1'] }, b: { rate: '0.2', skus: ['sku-1'] } },
        },
      ],
    });
    expect(problems).toEqual([
      'versions[1].effectiveFrom: duplicate effectiveFrom 2026-01-01',
      'versions[1].specializations.a.services[1]: svc is listed twice',
      'versions[1].specializations.b.skus[0]: SKU sku-1 is already listed under a',
    ]);
  });

  it('says "(root)" for a file that is no object, and lists problems one per line in the error', () => {
    expect(problemsOf([])).toEqual([expect.stringMatching(/^\(root\): /)]);
    expect(() => parseRules({ versions: [] }, 'x.json')).toThrow(
      'invalid program rules in x.json:\n  - versions: at least one version is required',
    );
  });

  it('writes a path that starts with an index without a leading dot', () => {
    const result = z.array(z.object({ a: z.string() })).safeParse([{ a: 'ok' }, { a: 1 }]);
    expect(result.success || describeZodIssues(result.error)).toEqual([expect.stringMatching(/^\[1\]\.a: /)]);
  });

  it('lists the specialization ids of every version, sorted', () => {
    const rules = parseRules({
      versions: [
        { effectiveFrom: '2026-01-01', specializations: { zeta: { rate: '0.1' }, alpha: { rate: '0.1' } } },
        { effectiveFrom: '2025-01-01', specializations: { mid: { rate: '0.1' } } },
      ],
    });
    expect(rules.specializationIds()).toEqual(['alpha', 'mid', 'zeta']);
  });
});
