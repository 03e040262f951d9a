'use strict';

// Entry for tools that look for the classic file instead of package.json "exports".
module.exports = require('./dist/server');
