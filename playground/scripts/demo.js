#!/usr/bin/env node
'use strict';
/**
 * `npm run demo`: writes playground/.env with fresh secrets the first time, builds the admin
 * panel when the plugin or the playground changed since the last build, then starts Strapi with
 * the demo seed enabled. The SQLite database in playground/.tmp is kept between runs.
 */
const { spawnSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const app = path.resolve(__dirname, '..');
// The package's exports hide bin/, so find it beside package.json.
const strapiBin = path.join(path.dirname(require.resolve('@strapi/strapi/package.json', { paths: [app] })), 'bin', 'strapi.js');
require('./env').ensureEnv(app);

function newestMtime(dir) {
  if (!fs.existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    const time = entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs;
    newest = Math.max(newest, time);
  }
  return newest;
}

const builtAt = fs.existsSync(path.join(app, 'dist', 'build', 'index.html'))
  ? fs.statSync(path.join(app, 'dist', 'build', 'index.html')).mtimeMs
  : 0;
const sourcesAt = Math.max(newestMtime(path.join(app, '..', 'dist')), newestMtime(path.join(app, 'src')), newestMtime(path.join(app, 'config')));
if (builtAt < sourcesAt) {
  console.log('[demo] Building the playground (admin panel and TypeScript), about a minute...');
  const build = spawnSync(process.execPath, [strapiBin, 'build'], { cwd: app, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const child = spawn(process.execPath, [strapiBin, 'start'], {
  cwd: app,
  stdio: 'inherit',
  env: { ...process.env, DELIVERABILITY_DEMO_SEED: 'true', STRAPI_TELEMETRY_DISABLED: 'true' },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
