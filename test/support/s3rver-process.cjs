'use strict';
/**
 * Runs s3rver 3.7.1 in its own Node process, started by test/support/s3rver.ts with
 * --openssl-legacy-provider: s3rver encrypts ListObjectsV2 continuation tokens with DES, which
 * OpenSSL 3 only offers through the legacy provider, and the provider can only be enabled when
 * Node starts — not from inside an already running vitest worker.
 * Protocol (IPC): argv[2] = JSON {directory, buckets}; sends {type:'ready', port}, then
 * {type:'event', event} for every S3 event s3rver emits; stops on {type:'stop'} or disconnect.
 */
const S3rver = require('s3rver');

async function main() {
  const { directory, buckets } = JSON.parse(process.argv[2]);
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  server.on('event', (event) => process.send({ type: 'event', event }));
  const address = await server.run();
  const stop = async () => {
    await server.close().catch(() => undefined);
    process.exit(0);
  };
  process.on('message', (message) => {
    if (message && message.type === 'stop') void stop();
  });
  process.on('disconnect', () => void stop());
  process.send({ type: 'ready', port: address.port });
}

main().catch((error) => {
  process.send?.({ type: 'error', message: String(error?.stack ? error.stack : error) });
  process.exit(1);
});
