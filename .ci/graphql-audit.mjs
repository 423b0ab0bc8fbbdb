// The graphql-http conformance audits (GraphQL over HTTP) against a live
// server: prints every audit and its result, and fails on any `error` (a
// failed MUST). Warnings (SHOULD) and notices (MAY) are printed, not fatal.
//
// Usage: node graphql-audit.mjs URL NODE_DIR [TOKEN]
// NODE_DIR holds node_modules with graphql-http; TOKEN, if given, is sent
// as a bearer token with every request.
import { createRequire } from 'node:module';
import path from 'node:path';

const [url, nodeDir, token] = process.argv.slice(2);
if (!url || !nodeDir) {
  console.error('usage: node graphql-audit.mjs URL NODE_DIR [TOKEN]');
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(nodeDir), 'package.json'));
const { serverAudits } = require('graphql-http');

const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};

const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
for (const audit of serverAudits({ url, fetchFn })) {
  const result = await audit.fn();
  counts[result.status] += 1;
  console.log(`${result.status.padEnd(6)} ${result.id} ${result.name}`);
  if (result.status !== 'ok') {
    let body = '';
    try {
      body = await result.response.text();
    } catch {
      // the audit read the body already
    }
    console.log(`       ${result.reason}`);
    if (body) console.log(`       ${result.response.status} ${body.slice(0, 300)}`);
  }
}
console.log(
  `graphql-http audits: ${counts.ok} ok, ${counts.notice} notice, ${counts.warn} warn, ${counts.error} error`,
);
process.exit(counts.error > 0 ? 1 : 0);
