// The editor's CodeMirror bundle: one minified ES module. scripts/build_assets.py runs it
// (`make assets`); the output path is its argument, static/vendor/ by default. The same
// lock file and esbuild give the same bytes, which tests/test_assets.py checks.
import { build } from "esbuild";

await build({
  entryPoints: ["src/editor.js"],
  bundle: true,
  format: "esm",
  minify: true,
  target: ["es2020"],
  legalComments: "eof",
  outfile: process.argv[2] ?? "../static/vendor/codemirror-editor.js",
  logLevel: "warning",
});
