// Plays the Cloud Functions runtime for one warm instance: loads `./index.js` from the working
// directory (the unpacked zip, no node_modules), calls the export named by the entrypoint with
// each invocation in turn, and writes one JSON line per result to the file named by argv[3].
// Usage: node function-runner.cjs <invocations.json> <results.jsonl> [export=handler]
'use strict';
const { readFileSync, appendFileSync } = require('node:fs');
const { join } = require('node:path');

const [invocationsPath, resultsPath, exportName = 'handler'] = process.argv.slice(2);
const invocations = JSON.parse(readFileSync(invocationsPath, 'utf8'));
const mod = require(join(process.cwd(), 'index.js'));

void (async () => {
  for (const [i, inv] of invocations.entries()) {
    const deadline = Date.now() + (inv.timeoutMs ?? 600_000);
    const context = {
      requestId: inv.requestId ?? `rehearsal-${i + 1}`,
      functionName: inv.functionName ?? 'rehearsal',
      functionVersion: 'rehearsal',
      memoryLimitInMB: 256,
      token: inv.token ? { access_token: inv.token, expires_in: 43200, token_type: 'Bearer' } : undefined,
      getRemainingTimeInMillis: () => deadline - Date.now(),
    };
    let line;
    try {
      line = { ok: true, result: await mod[exportName](inv.event, context) };
    } catch (error) {
      line = { ok: false, error: { name: error?.name, code: error?.code, message: error?.message } };
    }
    appendFileSync(resultsPath, `${JSON.stringify(line)}\n`);
  }
  // The runtime freezes the instance after each call; here the instance ends after the last one.
  process.exit(0);
})();
