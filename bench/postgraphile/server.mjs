// PostGraphile 5 (amber preset) over the PostgreSQL copy of a gql database: the peer that
// bench/postgraphile.py starts. DATABASE_URL, HOST and PORT come from the environment;
// GRAPHILE_ENV=production is set by the caller (development mode plans more slowly).
// GET /healthz answers 200 once the schema is built, so that readiness is polled over HTTP.
import { createServer } from "node:http";
import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";

const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString: process.env.DATABASE_URL,
      schemas: ["public"],
      // node-postgres' default pool of 10 connections: enough for one Node process,
      // whose single thread is what limits it; PostgreSQL runs each query on another core.
      poolConfig: { max: Number(process.env.PG_POOL_SIZE || 10) },
    }),
  ],
  grafserv: { graphqlPath: "/graphql", graphiql: false, watch: false },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
await pgl.getSchema();
const handler = pgl.createServ(grafserv).createHandler();
const server = createServer((req, res) => {
  handler(req, res, () => {
    if (req.url === "/healthz") {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end('{"status":"ok"}');
    } else {
      res.writeHead(404);
      res.end();
    }
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), process.env.HOST || "127.0.0.1", () => {
  console.log(`PostGraphile listening on ${process.env.HOST}:${process.env.PORT}`);
});
