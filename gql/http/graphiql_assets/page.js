// Mounts GraphiQL with its explorer plugin and the headers editor, querying the URL the
// page was served from. Everything it needs was loaded by the page from this server.
"use strict";

const DEFAULT_QUERY = `# The newest article and the pages it links to
# (\`article\`: the linked page, when the corpus has it).
# Ctrl-Enter runs the query.
{
  articles(first: 1) {
    nodes {
      title
      url
      provider { name }
      related {
        title
        url
        provider { name }
        article { title }
      }
    }
  }
}
`;

const url = new URL(window.location.pathname, window.location.href).href;
// Subscriptions go over a WebSocket to the same URL (graphql-transport-ws, the graphql-ws
// client bundled in GraphiQL); queries stay on HTTP.
const subscriptionUrl = url.replace(/^http/, "ws");
const fetcher = GraphiQL.createFetcher({ url, subscriptionUrl });
const explorer = GraphiQLPluginExplorer.explorerPlugin();

ReactDOM.createRoot(document.getElementById("graphiql")).render(
  React.createElement(GraphiQL, {
    fetcher,
    plugins: [explorer],
    defaultQuery: DEFAULT_QUERY,
    defaultEditorToolsVisibility: "headers",
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: false,
    inputValueDeprecation: true,
  }),
);
