/**
 * Local HTTP ↔ API Gateway payload 0.1: a Node request becomes the event the portal-api function
 * receives behind the gateway, and its response is written back, so `npm run portal` exercises the
 * same handler code as the cloud.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpResponse } from '../../shared/portal/http';

const MAX_BODY_BYTES = 64 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) break;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function toGatewayEvent(req: IncomingMessage): Promise<Record<string, unknown>> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers))
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return {
    httpMethod: req.method ?? 'GET',
    url: `${url.pathname}${url.search}`,
    path: url.pathname,
    headers,
    queryStringParameters: Object.fromEntries(url.searchParams),
    body: await readBody(req),
    isBase64Encoded: false,
    requestContext: { requestId: randomUUID(), httpMethod: req.method ?? 'GET' },
  };
}

export function writeGatewayResponse(res: ServerResponse, response: HttpResponse): void {
  res.writeHead(response.statusCode, response.headers);
  res.end(response.isBase64Encoded ? Buffer.from(response.body, 'base64') : response.body);
}
