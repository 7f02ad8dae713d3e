// Runs graphql-http's server audits against the GraphQL URL given as the only argument
// and prints one JSON line per audit: {"id", "name", "status", "reason"?}.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs http://127.0.0.1:PORT/graphql');
  process.exit(2);
}
const results = await auditServer({ url });
for (const result of results) {
  const line = { id: result.id, name: result.name, status: result.status };
  if (result.status !== 'ok') {
    line.reason = result.reason;
    if (result.response) {
      line.responseStatus = result.response.status;
      line.responseBody = (await result.response.text()).slice(0, 500);
    }
  }
  console.log(JSON.stringify(line));
}
