'use strict';
/**
 * Runs one Strapi process for the multi-instance tests: boots the app in the folder given as the
 * first argument, listens, and prints READY. The test kills it with a signal.
 */
const { createStrapi } = require('@strapi/strapi');

const appDir = process.argv[2];
createStrapi({ appDir, distDir: appDir, autoReload: false, serveAdminPanel: false })
  .start()
  .then((strapi) => {
    strapi.log.level = process.env.TEST_LOG_LEVEL || 'error';
    const address = strapi.server.httpServer.address();
    process.stdout.write(`READY ${process.pid} ${address && typeof address === 'object' ? address.port : 0}\n`);
  })
  .catch((error) => {
    process.stderr.write(`${error.stack || error}\n`);
    process.exit(1);
  });
