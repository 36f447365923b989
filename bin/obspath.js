#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`, which `npm ci` runs through `prepare`).
// Source maps on, so stack traces name the .ts files and lines.
process.setSourceMapsEnabled(true);
try {
  await import('../dist/cli/main.js');
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('/dist/cli/main.js')) {
    console.error('obspath: dist/ is missing; build it with `npm run build` (npm ci and npm install run it)');
    process.exit(1);
  }
  throw err;
}
