// The bundle size budget, checked after every production build (npm run build):
// gzip sizes of the JavaScript and CSS the browser loads, and no test hook in
// the production bundle. Raise a limit only with a reason in the commit.
//   node scripts/budget.mjs dist

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/** Limits in KiB, gzip. MapLibre GL is ~270 KiB of the JavaScript. */
const BUDGET = {
  /**
   * Every chunk together. 380 until issues 13 and 14 added four pages loaded
   * only by the roles that open them (field, patrols, households, the public
   * notice): no browser loads them all, so the limits a user feels are the
   * entry and the largest page chunk below.
   */
  js: 420,
  /** The largest chunk a page loads after the entry (the editor's today). */
  page: 50,
  css: 20,
  /** What a page that needs no editor (public, field) loads first. */
  entry: 310,
};

const dir = path.resolve(process.argv[2] ?? 'dist');
const assets = path.join(dir, 'assets');
const files = fs.readdirSync(assets).map((f) => path.join(assets, f));
const kib = (n) => n / 1024;
const gz = (f) => zlib.gzipSync(fs.readFileSync(f), { level: 9 }).length;

let js = 0;
let css = 0;
const problems = [];
for (const f of files) {
  const text = fs.readFileSync(f, 'utf8');
  if (f.endsWith('.js')) js += gz(f);
  if (f.endsWith('.css')) css += gz(f);
  if (/__gridd/.test(text)) problems.push(`${path.basename(f)} contains the browser tests' hook (__gridd): build it only with --mode e2e`);
}
const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
const entryName = /<script[^>]+src="\.\/assets\/([^"]+\.js)"/.exec(html)?.[1];
const entry = entryName ? gz(path.join(assets, entryName)) : 0;

const largest = files.filter((f) => f.endsWith('.js') && path.basename(f) !== entryName).reduce((m, f) => Math.max(m, gz(f)), 0);

const rows = [
  ['JavaScript (all chunks)', js, BUDGET.js],
  ['JavaScript (largest page chunk)', largest, BUDGET.page],
  ['JavaScript (entry chunk)', entry, BUDGET.entry],
  ['CSS', css, BUDGET.css],
];
for (const [what, size, limit] of rows) {
  const line = `${what}: ${kib(size).toFixed(1)} KiB gzip (budget ${limit} KiB)`;
  console.log(line);
  if (kib(size) > limit) problems.push(`over budget: ${line}`);
}
if (problems.length) {
  for (const p of problems) console.error(`budget: ${p}`);
  process.exit(1);
}
