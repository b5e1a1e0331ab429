// Builds the snippet: an ES module and a classic-script (IIFE) variant, bundled and minified.
// Output directory: argv[2], default ../instrument/rum/snippet. Deterministic: same bytes
// on every run (pinned esbuild, no timestamps, no source maps).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] || resolve(here, '../instrument/rum/snippet'));
const common = {
  bundle: true,
  minify: true,
  target: 'es2022',
  legalComments: 'none',
  charset: 'utf8',
  absWorkingDir: here,
  logLevel: 'warning',
};
await build({ ...common, entryPoints: ['src/index.js'], format: 'esm', outfile: resolve(out, 'perfwatch-rum.js') });
await build({ ...common, entryPoints: ['src/auto.js'], format: 'iife', outfile: resolve(out, 'perfwatch-rum.iife.js') });
