/** GET / and the page's assets: public (the page signs in itself), cacheable briefly. */
import type { HttpResponse } from './http';
import { PAGE_FILES } from './page-files';

/**
 * The page loads only its own script and style, and talks only to this origin; a token in
 * sessionStorage is then out of reach of anything injected from elsewhere.
 */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'public, max-age=300',
};

export function pageResponse(path: string, files: Record<string, string>): HttpResponse | undefined {
  const page = PAGE_FILES.find((f) => f.url === path || (f.url === '/' && path === '/index.html'));
  const body = page === undefined ? undefined : files[page.file];
  if (page === undefined || body === undefined) return undefined;
  return { statusCode: 200, headers: { 'content-type': page.contentType, ...SECURITY_HEADERS }, body, isBase64Encoded: false };
}

export const PAGE_PATHS: readonly string[] = [...PAGE_FILES.map((f) => f.url), '/index.html'];
