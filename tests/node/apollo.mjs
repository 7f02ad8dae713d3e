// Apollo Client's own links against the GraphQL URL given as the only argument:
// PersistedQueryLink (APQ, sha256 from node:crypto) over HttpLink by POST and by GET,
// BatchHttpLink, and both together. Every HTTP request the links send goes through a
// recording fetch; the script prints one JSON object: for each scenario, the results
// the client gave and the requests it sent ({method, hashOnly, query, status, codes}).
import { createHash } from 'node:crypto';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { BatchHttpLink } from '@apollo/client/link/batch-http';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';

const url = process.argv[2];
if (!url) {
  console.error('usage: node apollo.mjs http://127.0.0.1:PORT/graphql');
  process.exit(2);
}

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

function describe(request) {
  const hasQuery = typeof request.query === 'string';
  return {
    hashOnly: !hasQuery && Boolean(request.extensions?.persistedQuery?.sha256Hash),
    query: hasQuery,
    operationName: request.operationName ?? null,
  };
}

// A fetch that records what each request carried and how the server answered.
function recordingFetch(log) {
  return async (input, init = {}) => {
    const target = new URL(typeof input === 'string' ? input : input.url);
    const method = (init.method ?? 'GET').toUpperCase();
    let requests;
    let batch = false;
    if (method === 'GET') {
      const params = Object.fromEntries(target.searchParams);
      for (const name of ['variables', 'extensions']) {
        if (params[name]) params[name] = JSON.parse(params[name]);
      }
      requests = [params];
    } else {
      const body = JSON.parse(init.body);
      batch = Array.isArray(body);
      requests = batch ? body : [body];
    }
    const response = await fetch(input, init);
    const answer = await response.clone().json();
    const answers = Array.isArray(answer) ? answer : [answer];
    log.push({
      method,
      batch,
      status: response.status,
      etag: response.headers.get('etag'),
      operations: requests.map((request, index) => ({
        ...describe(request),
        codes: (answers[index]?.errors ?? []).map((error) => error.extensions?.code),
      })),
    });
    return response;
  };
}

function client(link) {
  return new ApolloClient({ link, cache: new InMemoryCache() });
}

async function run(name, makeLink, queries) {
  const log = [];
  const apollo = client(makeLink(recordingFetch(log)));
  const rounds = [];
  for (let round = 0; round < 2; round++) {
    // Each round sends every query at once (a batch link batches them).
    const results = await Promise.all(
      queries.map((query) => apollo.query({ query: gql(query), fetchPolicy: 'network-only' })),
    );
    rounds.push(results.map((result) => result.data));
  }
  return [name, { rounds, requests: log }];
}

const topics = 'query TopicCount { topics(first: 1) { totalCount } }';
const ai = 'query AiTopic { topic(slug: "ai") { name } }';
const articles = 'query ArticleCount { articles(first: 1) { totalCount } }';
// Sent only with both links together, so that the server has not seen them before.
const slug = 'query AiSlug { topic(slug: "ai") { slug } }';
const more = 'query MoreArticles { articles(first: 1) { totalCount pageInfo { hasNextPage } } }';

const scenarios = [
  await run(
    'apqPost',
    (fetch) => new PersistedQueryLink({ sha256 }).concat(new HttpLink({ uri: url, fetch })),
    [topics],
  ),
  await run(
    'apqGet',
    (fetch) =>
      new PersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(
        new HttpLink({ uri: url, fetch }),
      ),
    [ai],
  ),
  await run(
    'batch',
    (fetch) => new BatchHttpLink({ uri: url, fetch, batchMax: 10, batchInterval: 50 }),
    [topics, ai, articles],
  ),
  await run(
    'apqBatch',
    (fetch) =>
      new PersistedQueryLink({ sha256 }).concat(
        new BatchHttpLink({ uri: url, fetch, batchMax: 10, batchInterval: 50 }),
      ),
    [slug, more],
  ),
];
console.log(JSON.stringify(Object.fromEntries(scenarios)));
