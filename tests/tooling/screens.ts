// How a frontend uses the types graphql-codegen writes for examples/: typed variables in,
// typed answers out. `tsc --strict --noEmit` must pass (tests/tooling/test_codegen.py);
// each `@ts-expect-error` below must meet a real type error, or tsc fails.
import type {
  ArticlePageQuery,
  ArticlePageQueryVariables,
  FilteredArticlesQueryVariables,
  FrontPageQuery,
  FrontPageQueryVariables,
  NodeRefetchQuery,
  SearchPageQuery,
  SearchPageQueryVariables,
  TopicPageQuery,
} from "./generated/operations";
import type { Article, ArticleOrder, Scalars } from "./generated/schema";

/** POST one named operation; the answer's `data`, typed by the operation. */
export async function request<Data, Variables>(
  url: string,
  query: string,
  operationName: string,
  variables: Variables,
): Promise<Data> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
    body: JSON.stringify({ query, operationName, variables }),
  });
  const body = (await response.json()) as { data?: Data; errors?: { message: string }[] };
  if (body.errors?.length || body.data === undefined) {
    throw new Error(body.errors?.map((error) => error.message).join("; ") ?? "no data");
  }
  return body.data;
}

export const firstPage: FrontPageQueryVariables = { first: 20 };

/** The front page's headlines with their publisher, and the variables of the next page. */
export function frontPage(data: FrontPageQuery): {
  lines: string[];
  next: FrontPageQueryVariables | null;
} {
  const lines = data.articles.edges.map(
    ({ node }) => `${node.title} (${node.provider?.name ?? "unknown"}, ${node.topics.length} topics)`,
  );
  const { hasNextPage, endCursor } = data.articles.pageInfo;
  return { lines, next: hasNextPage && endCursor ? { ...firstPage, after: endCursor } : null };
}

/** The related-coverage graph of an article page: link URL -> corpus slug, when known. */
export function relatedGraph(data: ArticlePageQuery): Map<string, string | null> {
  const published: Scalars["DateTime"]["output"] | null = data.article?.publishedAt ?? null;
  void published;
  return new Map((data.article?.related ?? []).map((link) => [link.url, link.article?.slug ?? null]));
}

export function topicTrail(data: TopicPageQuery): string[] {
  const topic = data.topic;
  return topic ? [topic.parent?.name, topic.name].filter((name) => name !== undefined) : [];
}

/** Narrowing on `__typename`: each member of the `node` union has its own fields. */
export function refetchLabel(data: NodeRefetchQuery): string {
  const node = data.node;
  if (node === null) {
    return "gone";
  }
  switch (node.__typename) {
    case "Article":
      return node.title;
    case "Provider":
      return `${node.name} (${node.articleCount})`;
    case "Topic":
      return `${node.name} (${node.articleCount})`;
  }
}

export const search: SearchPageQueryVariables = {
  query: '"open source" OR metaverse',
  filter: { topics: { some: { name: { in: ["Microsoft AI", "Meta AI"] } } } },
  first: 10,
};

export function topicFacets(data: SearchPageQuery): [string, number][] {
  return data.search.facets.topics.map(({ topic, count }) => [topic.slug, count]);
}

const hottest: ArticleOrder[] = ["HEAT_DESC", "PUBLISHED_AT_DESC"];
export const filtered: FilteredArticlesQueryVariables = {
  filter: { publishedAt: { gte: "2022-01-01T00:00:00Z" }, not: { heat: { eq: -1 } } },
  orderBy: hottest,
};

// The schema's types: every field of Article, whatever an operation selects.
export type ArticleCard = Pick<Article, "slug" | "title" | "url">;

// @ts-expect-error: `first` is an Int.
export const wrongVariable: FrontPageQueryVariables = { first: "twenty" };
// @ts-expect-error: ArticlePage needs its slug.
export const missingVariable: ArticlePageQueryVariables = {};
// @ts-expect-error: not an ArticleOrder.
export const wrongOrder: ArticleOrder = "NEWEST";

export function unselected(data: FrontPageQuery): unknown {
  // @ts-expect-error: FrontPage does not select `excerpt`.
  return data.articles.edges[0]?.node.excerpt;
}
