import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createBillingApi } from '../../shared/adapters/billing';

const repo = fileURLToPath(new URL('../..', import.meta.url));

describe('the Billing API fake in its own process (serve-fake.ts)', () => {
  it('prints {"endpoint","token"} as its first line, serves another process, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/billing/serve-fake.ts', 'test/fixtures/billing/catalog.json'], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      const served = JSON.parse(line) as { endpoint: string; token: string };
      expect(served.endpoint).toMatch(/^grpc:\/\/127\.0\.0\.1:\d+$/);
      const billing = createBillingApi({ iamToken: () => served.token, endpoint: served.endpoint });
      try {
        expect((await billing.listCustomers('dn2partneracme000001')).map((c) => c.billingAccountId)).toEqual([
          'dn2subacc0000000001',
          'dn2subacc0000000002',
          'dn2subacc0000000003',
        ]);
      } finally {
        billing.close();
      }
    } finally {
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
    }
  });
});
