// Live introspection of a running gql, rebuilt by graphql-js as a client would
// (buildClientSchema), printed (printSchema) and compared with the checked-in SDL.
// Usage: node introspect.mjs <graphql URL> <schema.graphql>
// Prints one JSON line: whether the texts are equal as graphql-js prints them, with the
// types in name order (graphql-js prints them in introspection order, Strawberry's printer
// by name; fields, arguments and values keep their order), and once both schemas are
// sorted lexicographically throughout; with the first differing lines when they are not.
import { readFileSync } from "node:fs";
import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  isSpecifiedDirective,
  isSpecifiedScalarType,
  lexicographicSortSchema,
  printSchema,
  printType,
} from "graphql";

const [url, sdlPath] = process.argv.slice(2);
const query = getIntrospectionQuery({
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
});
const response = await fetch(url, {
  method: "POST",
  headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
  body: JSON.stringify({ query, operationName: "IntrospectionQuery" }),
});
const body = await response.json();
if (body.errors) {
  console.log(JSON.stringify({ status: response.status, errors: body.errors }));
  process.exit(1);
}
const live = buildClientSchema(body.data);
const file = readFileSync(sdlPath, "utf8");
const printed = printSchema(live);
const sorted = (schema) => printSchema(lexicographicSortSchema(schema));
const liveSorted = sorted(live);
const customDirectives = live.getDirectives().filter((d) => !isSpecifiedDirective(d));
const byName = Object.values(live.getTypeMap())
  .filter((type) => !type.name.startsWith("__") && !isSpecifiedScalarType(type))
  .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  .map(printType)
  .join("\n\n");
const fileSorted = sorted(buildSchema(file));

function firstDifference(a, b) {
  const left = a.split("\n");
  const right = b.split("\n");
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    if (left[i] !== right[i]) {
      return { line: i + 1, live: left.slice(i, i + 5), file: right.slice(i, i + 5) };
    }
  }
  return null;
}

console.log(
  JSON.stringify({
    status: response.status,
    types: Object.keys(live.getTypeMap()).filter((name) => !name.startsWith("__")).length,
    customDirectives: customDirectives.map((d) => d.name),
    printedEqual: printed.trimEnd() === file.trimEnd(),
    byNameEqual: byName === file.trimEnd(),
    byNameDifference: firstDifference(byName, file.trimEnd()),
    sortedEqual: liveSorted === fileSorted,
    printedDifference: firstDifference(printed.trimEnd(), file.trimEnd()),
    sortedDifference: firstDifference(liveSorted, fileSorted),
  }),
);
