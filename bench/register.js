'use strict';
/**
 * Lets Node require the benchmarks' TypeScript (and the plugin's own sources they import, such as
 * the SendGrid signer) without a build step: each `.ts` file is compiled on load with @swc/core,
 * which the test setup already installs. Used as `node -r ./bench/register.js bench/run.ts`.
 */
const fs = require('node:fs');
const { transformSync } = require('@swc/core');

require.extensions['.ts'] = function compileTs(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = transformSync(source, {
    filename,
    sourceMaps: 'inline',
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
