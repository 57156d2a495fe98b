/**
 * End to end in a real browser: starts `npm run --silent portal` on a fresh SQLite store (it loads
 * the demo data), opens the page in headless Chromium (Debian's /usr/bin/chromium driven by
 * playwright-core), signs in by link and by the token field, and checks that what the page shows
 * — balances, every bar of the chart, the preview, the breakdown — equals what the API answers
 * for the same token. Saves screenshots to test-artifacts/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// page.evaluate() callbacks run in the browser, where these globals exist; Node's types lack them.
declare const document: { querySelector(s: string): BrowserElement | null; querySelectorAll(s: string): Iterable<BrowserElement> };
declare const window: { location: { hash: string } };
declare const sessionStorage: { length: number };
interface BrowserElement {
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(s: string): BrowserElement | null;
}

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let dir: string;
let server: ChildProcess;
let url: string;
let tokens: Record<string, string>;
let context: BrowserContext;

async function startPortal(): Promise<{ url: string; tokens: Record<string, string> }> {
  // Its own process group, so the whole npm → tsx → node chain stops with it.
  server = spawn('npm', ['run', '--silent', 'portal', '--', '--port', '0'], {
    env: { ...process.env, REBATES_STORE: `sqlite:${join(dir, 'portal.db')}`, REBATES_RULES: '', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stderr = '';
  server.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: server.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm run portal printed no first line in 90 s; stderr: ${stderr}`)), 90_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    server.once('exit', (code) => reject(new Error(`npm run portal exited with ${code}; stderr: ${stderr}`)));
  });
  return JSON.parse(first) as { url: string; tokens: Record<string, string> };
}

async function api(path: string, token: string): Promise<any> {
  const response = await fetch(new URL(path, url), { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return response.json();
}

/** Everything the page exposes as numbers (data- attributes carry the API's strings verbatim). */
async function pageNumbers(page: Page) {
  return page.evaluate(() => ({
    partner: document.querySelector('[data-testid=partner-id]')?.textContent,
    balances: [...document.querySelectorAll('.balance')].map((b) => ({
      currency: b.getAttribute('data-currency'),
      amount: b.getAttribute('data-amount'),
      shown: b.querySelector('.amount')?.textContent,
    })),
    bars: [...document.querySelectorAll('g.quarter')].map((g) => ({
      quarter: g.getAttribute('data-quarter'),
      currency: g.getAttribute('data-currency'),
      accrued: g.getAttribute('data-accrued'),
      adjusted: g.getAttribute('data-adjusted'),
      total: g.getAttribute('data-total'),
    })),
    preview: [...document.querySelectorAll('g.preview')].map((g) => ({
      quarter: g.getAttribute('data-quarter'),
      currency: g.getAttribute('data-currency'),
      amount: g.getAttribute('data-amount'),
    })),
    breakdown: [...document.querySelectorAll('[data-testid=breakdown] tr.group')].map((r) => ({
      specialization: r.getAttribute('data-specialization'),
      currency: r.getAttribute('data-currency'),
      amount: r.getAttribute('data-amount'),
    })),
    hash: window.location.hash,
  }));
}

/** '45 593.45' (thin-space grouped, typographic minus) → '45593.45'. */
const plain = (shown: string | null | undefined) => (shown ?? '').replace(/[\s\u202f]/g, '').replace('−', '-');

async function expectPageEqualsApi(page: Page, partnerId: string): Promise<void> {
  const token = tokens[partnerId]!;
  const [balance, quarters, current] = await Promise.all([
    api('/v1/balance', token),
    api('/v1/quarters', token),
    api('/v1/current', token),
  ]);
  const latest = [...new Set<string>(quarters.quarters.map((q: { quarter: string }) => q.quarter))].sort().pop()!;
  const detail = await api(`/v1/quarters/${latest}`, token);
  await page.waitForSelector('[data-testid=breakdown] tr.group');
  const shown = await pageNumbers(page);

  expect(shown.partner).toBe(partnerId);
  expect(shown.balances.map(({ currency, amount }) => ({ currency, amount }))).toEqual(balance.balances);
  expect(shown.balances.map((b) => plain(b.shown))).toEqual(balance.balances.map((b: { amount: string }) => b.amount));
  // One chart per currency, bars in quarter order: compare in (currency, quarter) order.
  const byCurrency = (a: { currency: string | null; quarter: string | null }, b: typeof a) =>
    `${a.currency} ${a.quarter}`.localeCompare(`${b.currency} ${b.quarter}`);
  expect(shown.bars).toEqual(
    quarters.quarters
      .map(({ quarter, currency, accrued, adjusted, total }: Record<string, string>) => ({ quarter, currency, accrued, adjusted, total }))
      .sort(byCurrency),
  );
  expect(shown.preview).toEqual(
    current.totals.map((t: { currency: string; amount: string }) => ({ quarter: current.quarter, currency: t.currency, amount: t.amount })),
  );
  expect(shown.breakdown).toEqual(
    detail.lines.map(({ specialization, currency, amount }: Record<string, string>) => ({ specialization, currency, amount })),
  );
  expect(shown.bars.length).toBeGreaterThan(0);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rebates-portal-e2e-'));
  ({ url, tokens } = await startPortal());
  context = await chromium.launchPersistentContext(join(dir, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
  });
}, 150_000);

afterAll(async () => {
  await context?.close();
  if (server?.pid !== undefined && server.exitCode === null) process.kill(-server.pid, 'SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('portal page in headless Chromium', () => {
  it('prints one JSON line with its URL and a token for every partner with ledger entries', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(Object.keys(tokens).sort()).toEqual(['partner-alpha', 'partner-beta', 'partner-gamma']);
    for (const token of Object.values(tokens)) expect(token).toMatch(/^[0-9a-f]{24}\.[A-Za-z0-9_-]{43}$/);
  });

  it('signs in from a #token= link, strips the fragment, and shows exactly the API numbers', async () => {
    const page = await context.newPage();
    await page.goto(`${url}#token=${encodeURIComponent(tokens['partner-alpha']!)}`);
    await expectPageEqualsApi(page, 'partner-alpha');
    expect((await pageNumbers(page)).hash).toBe('');
    expect(page.url()).toBe(url);
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/portal.png', fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: 'test-artifacts/portal-phone.png', fullPage: true });
    await page.close();
  });

  it('asks a new tab to sign in, refuses a wrong token, signs in with the token field, and signs out', async () => {
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForSelector('#sign-in:not([hidden])');
    await page.fill('#token', `${tokens['partner-gamma']!.slice(0, -1)}x`);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('#sign-in-error:not([hidden])');
    expect(await page.textContent('#sign-in-error')).toContain('not valid');
    await page.fill('#token', tokens['partner-gamma']!);
    await page.click('#sign-in-form button[type=submit]');
    await expectPageEqualsApi(page, 'partner-gamma');
    await page.click('#sign-out');
    await page.waitForSelector('#sign-in:not([hidden])');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.close();
  });

  it('shows the error state when the API fails, and recovers with "Try again"', async () => {
    const page = await context.newPage();
    await page.route('**/v1/quarters', (route) =>
      route.fulfill({
        status: 500,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'internal', message: 'something went wrong on our side; try again later' } }),
      }),
    );
    await page.goto(`${url}#token=${encodeURIComponent(tokens['partner-beta']!)}`);
    await page.waitForSelector('#failure:not([hidden])');
    expect(await page.textContent('#failure-text')).toContain('something went wrong on our side');
    await page.unroute('**/v1/quarters');
    await page.click('#retry');
    await expectPageEqualsApi(page, 'partner-beta');
    await page.close();
  });
});
