// Drives Debian's headless Chromium (through playwright-core) for tests/http/test_browser.py.
// Usage: node browser.mjs '<json>' with
//   {"chromium": path, "userDataDir": fresh dir, "graphiql": url | null, "screenshot": path,
//    "pages": [url, ...]}
// It opens GraphiQL, lists what the browser requested and what failed, opens the docs,
// runs the default query, saves a screenshot; then opens each page of `pages` (pages of
// other origins that fetch the API and write the outcome into <pre id="outcome">).
// It prints one JSON report on stdout: the test asserts, this script only observes.
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
const report = { requests: [], failed: [], console: [], graphiql: null, pages: {} };
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
} finally {
  await context.close();
}
console.log(JSON.stringify(report));
