// Drives Debian's headless Chromium (through playwright-core) for tests/http/test_browser.py.
// Usage: node browser.mjs '<json>' with
//   {"chromium": path, "userDataDir": fresh dir, "graphiql": url | null, "screenshot": path,
//    "pages": [url, ...], "subscription": null | {"query": text, "file": path,
//    "contents": [text, ...], "expect": text, "screenshot": path}}
// It opens GraphiQL, lists what the browser requested and what failed, opens the docs,
// runs the default query, saves a screenshot; then opens each page of `pages` (pages of
// other origins that fetch the API and write the outcome into <pre id="outcome">). With
// `subscription`, it opens GraphiQL again, types the subscription in the query editor,
// runs it, then writes `file` (the next of `contents`, until the result pane shows
// `expect`) and reports the pane and the WebSocket's frames.
// It prints one JSON report on stdout: the test asserts, this script only observes.
import { writeFileSync } from "node:fs";
import { chromium } from "playwright-core";

const config = JSON.parse(process.argv[2]);
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // No network but loopback: anything else goes to a proxy that is not there, and fails.
  "--proxy-server=http://127.0.0.1:9",
];
const TIMEOUT = 30000;

// Every request, failure and console message is tagged with the phase it happened in.
let phase = "graphiql";
const report = {
  requests: [],
  failed: [],
  console: [],
  graphiql: null,
  pages: {},
  subscription: null,
};
const context = await chromium.launchPersistentContext(config.userDataDir, {
  executablePath: config.chromium,
  headless: true,
  args: FLAGS,
  viewport: { width: 1400, height: 900 },
});
context.on("request", (request) => report.requests.push({ phase, url: request.url() }));
context.on("requestfailed", (request) =>
  report.failed.push({ phase, url: request.url(), error: request.failure()?.errorText ?? "" }),
);
context.on("response", (response) => {
  if (response.status() >= 400)
    report.failed.push({ phase, url: response.url(), status: response.status() });
});

try {
  if (config.graphiql) {
    const page = await context.newPage();
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning")
        report.console.push({ phase, text: `${message.type()}: ${message.text()}` });
    });
    page.on("pageerror", (error) => report.console.push({ phase, text: `pageerror: ${error.message}` }));
    await page.goto(config.graphiql, { waitUntil: "load", timeout: TIMEOUT });
    await page.waitForSelector(".graphiql-container", { timeout: TIMEOUT });
    const result = {};
    result.explorerButton = await page
      .locator('button[aria-label="Show GraphiQL Explorer"]')
      .count();
    result.headersTab = await page.getByText("Headers", { exact: true }).count();
    result.query = await page.locator(".graphiql-query-editor .CodeMirror").evaluate(
      (element) => element.CodeMirror.getValue(),
    );
    // The docs explorer: open it, then the Query type, whose fields name Article.
    await page.locator('button[aria-label="Show Documentation Explorer"]').click();
    await page.locator(".graphiql-doc-explorer a", { hasText: "Query" }).first().click();
    await page.waitForSelector(".graphiql-doc-explorer-title:has-text('Query')", { timeout: TIMEOUT });
    result.docs = await page.locator(".graphiql-doc-explorer-content").innerText();
    // Run the default query and read the answer pane.
    await page.locator(".graphiql-execute-button").click();
    await page.waitForFunction(
      () => {
        const element = document.querySelector(".result-window .CodeMirror");
        return element && element.CodeMirror.getValue().includes('"data"');
      },
      null,
      { timeout: TIMEOUT },
    );
    result.answer = await page
      .locator(".result-window .CodeMirror")
      .evaluate((element) => element.CodeMirror.getValue());
    await page.screenshot({ path: config.screenshot, fullPage: true });
    report.graphiql = result;
    await page.close();
  }
  for (const url of config.pages) {
    phase = url;
    const page = await context.newPage();
    page.on("console", (message) =>
      report.console.push({ phase, text: `${message.type()}: ${message.text()}` }),
    );
    await page.goto(url, { waitUntil: "load", timeout: TIMEOUT });
    await page.waitForFunction(() => document.getElementById("outcome").textContent !== "", null, {
      timeout: TIMEOUT,
    });
    report.pages[url] = await page.locator("#outcome").textContent();
    await page.close();
  }
  if (config.subscription) {
    phase = "subscription";
    report.subscription = await subscribe(config.subscription);
  }
} finally {
  await context.close();
}
console.log(JSON.stringify(report));

// GraphiQL running a subscription over its WebSocket fetcher, while a seed file changes.
async function subscribe({ query, file, contents, expect, screenshot }) {
  const page = await context.newPage();
  const found = { sockets: [], sent: [], received: [], pane: "", writes: 0, runs: 0 };
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning")
      report.console.push({ phase, text: `${message.type()}: ${message.text()}` });
  });
  page.on("pageerror", (error) => report.console.push({ phase, text: `pageerror: ${error.message}` }));
  page.on("websocket", (socket) => {
    found.sockets.push(socket.url());
    socket.on("framesent", (frame) => found.sent.push(String(frame.payload)));
    socket.on("framereceived", (frame) => found.received.push(String(frame.payload)));
    socket.on("socketerror", (error) => report.failed.push({ phase, url: socket.url(), error }));
  });
  await page.goto(config.graphiql, { waitUntil: "load", timeout: TIMEOUT });
  await page.waitForSelector(".graphiql-query-editor .CodeMirror", { timeout: TIMEOUT });
  // Type it: select all in the query editor, then insert the text as typed (insertText
  // sends no key presses, so the editor's bracket auto-closing adds nothing).
  await page.locator(".graphiql-query-editor .CodeMirror").click();
  await page.keyboard.press("Control+A");
  await page.keyboard.insertText(query);
  // Run it until the socket carries it: GraphiQL tells a subscription from the document
  // its editor parsed, which lags the typing (by a debounce of 100 ms; more on a loaded
  // machine), and a run before that goes over HTTP, where the server refuses it.
  const subscribed = () => found.sent.some((text) => text.includes('"subscribe"'));
  const deadline = Date.now() + TIMEOUT;
  await page.waitForTimeout(1000);
  while (!subscribed() && Date.now() < deadline) {
    found.runs += 1;
    await page.locator(".graphiql-execute-button").click();
    for (let i = 0; i < 20 && !subscribed(); i++) await page.waitForTimeout(100);
  }
  // Then change the file; again (the next text) if no event shows within a few seconds,
  // in case it was written before the server had registered the subscription.
  const pane = () =>
    page.locator(".result-window .CodeMirror").evaluate((element) => element.CodeMirror.getValue());
  for (const text of contents) {
    writeFileSync(file, text);
    found.writes += 1;
    try {
      await page.waitForFunction(
        (expected) => {
          const element = document.querySelector(".result-window .CodeMirror");
          return element && element.CodeMirror.getValue().includes(expected);
        },
        expect,
        { timeout: 5000 },
      );
      break;
    } catch {
      // no event yet: write the next text
    }
  }
  found.pane = await pane();
  found.query = await page
    .locator(".graphiql-query-editor .CodeMirror")
    .evaluate((element) => element.CodeMirror.getValue());
  await page.screenshot({ path: screenshot, fullPage: true });
  await page.close();
  return found;
}
