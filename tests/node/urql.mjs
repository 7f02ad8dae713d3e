// The README's urql client against the GraphQL URL given as the first argument: urql's
// Client with Graphcache and its relayPagination for Query.articles, then two pages of
// the document in the file given as the second argument (examples/FrontPage.graphql).
// Prints one JSON object: the urls of the first page, and the urls the cache gives for
// the second query (both pages merged, as relayPagination merges them).
import { readFileSync } from 'node:fs';
import { Client, fetchExchange, gql } from 'urql';
import { cacheExchange } from '@urql/exchange-graphcache';
import { relayPagination } from '@urql/exchange-graphcache/extras';

const [url, documentPath] = process.argv.slice(2);
if (!url || !documentPath) {
  console.error('usage: node urql.mjs http://127.0.0.1:PORT/graphql FrontPage.graphql');
  process.exit(2);
}
const FrontPageDocument = gql(readFileSync(documentPath, 'utf8'));

// As in README.md, "urql, with Graphcache's relayPagination for the same lists".
const client = new Client({
  url,
  exchanges: [cacheExchange({ resolvers: { Query: { articles: relayPagination() } } }), fetchExchange],
});

const urls = (result) => {
  if (result.error) throw result.error;
  return result.data.articles.edges.map((edge) => edge.node.url);
};
const first = await client.query(FrontPageDocument, { first: 3 }).toPromise();
const after = first.data.articles.pageInfo.endCursor;
const second = await client.query(FrontPageDocument, { first: 3, after }).toPromise();
console.log(JSON.stringify({ first: urls(first), merged: urls(second) }));
