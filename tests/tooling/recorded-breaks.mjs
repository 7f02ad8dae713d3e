// A graphql-inspector diff rule: breaking changes recorded in schema/BREAKING.md (its
// "## Unreleased" list) are let through as dangerous, every other one stays breaking, so
// `graphql-inspector diff ... --rule recorded-breaks.mjs` fails on unrecorded breaks only.
// A recorded change the diff does not report also fails: the record must stay true.
// The record is GQL_BREAKING_RECORD when set (the tests use it), else schema/BREAKING.md.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const DEFAULT_RECORD = fileURLToPath(new URL("../../schema/BREAKING.md", import.meta.url));

/** The messages of the list items under "## Unreleased": "- `message`: why". */
export function recordedMessages(text) {
  const messages = [];
  let inUnreleased = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("## ")) {
      inUnreleased = line.trim() === "## Unreleased";
      continue;
    }
    // A Markdown code span: the same run of backquotes opens and closes it.
    const item = inUnreleased && /^- (`+)(.+?)\1(?::|$)/.exec(line);
    if (item) {
      messages.push(item[2].trim());
    }
  }
  return messages;
}

// The CLI prints messages without their quotes: a record may be written either way.
const key = (message) => message.replaceAll("'", "");

export default function recordedBreaks({ changes }) {
  const path = process.env.GQL_BREAKING_RECORD || DEFAULT_RECORD;
  const recorded = new Set(recordedMessages(readFileSync(path, "utf8")).map(key));
  const seen = new Set();
  const result = changes.map((change) => {
    if (change.criticality.level !== "BREAKING") {
      return change;
    }
    if (!recorded.has(key(change.message))) {
      console.error(`unrecorded breaking change; if meant, add to ${path}:`);
      console.error(`- \`${key(change.message)}\`: why, and what clients do instead`);
      return change;
    }
    seen.add(key(change.message));
    const reason = `recorded in ${path}`;
    return { ...change, criticality: { ...change.criticality, level: "DANGEROUS", reason } };
  });
  const stale = [...recorded].filter((message) => !seen.has(message));
  for (const message of stale) {
    console.error(`recorded breaking change not reported by the diff: ${message}`);
  }
  if (stale.length) {
    process.exitCode = 1;
  }
  return result;
}
