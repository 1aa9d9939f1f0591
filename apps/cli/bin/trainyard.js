#!/usr/bin/env node
// The CLI is compiled by `npm ci` / `npm install` (the root `prepare` script runs the build).
const path = require('node:path');
const fs = require('node:fs');
const main = path.join(__dirname, '..', 'dist', 'main.js');
if (!fs.existsSync(main)) {
  console.error('trainyard is not built yet: run `npm run build` in the repository root.');
  process.exit(1);
}
require(main);
