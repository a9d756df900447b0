// Copies the pinned third-party modules (package-lock.json) from node_modules into
// static/vendor/, rewriting bare imports to relative ones so the browser loads them with no
// import map (an inline import map would need 'unsafe-inline' under our CSP) and no bundler.
// `npm ci --ignore-scripts && node vendor.mjs` reproduces the committed files byte for byte;
// tests/unit/portal/test_vendor.py checks it. Run it after changing package.json.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2] || join(here, "static", "vendor");

// [source under node_modules, file in static/vendor, bare import -> relative file]
const FILES = [
  ["preact/dist/preact.mjs", "preact.mjs", {}],
  ["preact/hooks/dist/hooks.mjs", "preact-hooks.mjs", { preact: "./preact.mjs" }],
  ["htm/dist/htm.module.js", "htm.mjs", {}],
  // Chart.js as its UMD build: loaded on demand by a <script src> (CSP 'self'), it sets window.Chart
  ["chart.js/dist/chart.umd.min.js", "chart.umd.min.js", {}],
];

function version(pkg) {
  return JSON.parse(readFileSync(join(here, "node_modules", pkg, "package.json"), "utf8")).version;
}

mkdirSync(out, { recursive: true });
const manifest = {};
for (const [source, target, rewrites] of FILES) {
  let text = readFileSync(join(here, "node_modules", source), "utf8");
  for (const [bare, relative] of Object.entries(rewrites)) {
    text = text.replaceAll(`from"${bare}"`, `from"${relative}"`).replaceAll(`from "${bare}"`, `from "${relative}"`);
  }
  text = text.replace(/\n\/\/# sourceMappingURL=.*$/m, "\n");
  writeFileSync(join(out, target), text);
  const pkg = source.split("/")[0];
  manifest[target] = { package: pkg, version: version(pkg), sha256: createHash("sha256").update(text).digest("hex") };
}
writeFileSync(join(out, "VERSIONS.json"), JSON.stringify(manifest, null, 2) + "\n");
console.log(`vendored ${FILES.length} files into ${out}`);
