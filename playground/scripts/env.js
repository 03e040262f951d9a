'use strict';
/**
 * Writes playground/.env the first time: fresh random secrets for Strapi, and test-only keys
 * for the sandbox transport. Never overwrites an existing file. Used by demo.js and the e2e test.
 */
const { generateKeyPairSync, randomBytes } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

function secret() {
  return randomBytes(16).toString('base64');
}

function ensureEnv(app) {
  const envFile = path.join(app, '.env');
  if (!fs.existsSync(envFile)) {
    const lines = fs
      .readFileSync(path.join(app, '.env.example'), 'utf8')
      .split('\n')
      .map((line) => {
        if (line.startsWith('APP_KEYS=')) return `APP_KEYS=${[secret(), secret(), secret(), secret()].join(',')}`;
        if (/^(API_TOKEN_SALT|ADMIN_JWT_SECRET|TRANSFER_TOKEN_SALT|JWT_SECRET|ENCRYPTION_KEY)=$/.test(line)) return `${line}${secret()}`;
        return line;
      });
    // Test-only keys for the sandbox transport: it signs its delivery reports as SendGrid and
    // Twilio would, and the plugin checks them with the public halves.
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    lines.push(
      `DELIVERABILITY_SENDGRID_PUBLIC_KEY=${publicKey.export({ format: 'der', type: 'spki' }).toString('base64')}`,
      `DELIVERABILITY_SANDBOX_SENDGRID_PRIVATE_KEY=${privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64')}`,
      `DELIVERABILITY_TWILIO_AUTH_TOKEN=${randomBytes(16).toString('hex')}`,
      // Signs the one-click unsubscribe links of bulk email (README, "One-click unsubscribe").
      `DELIVERABILITY_UNSUBSCRIBE_SECRET=${randomBytes(32).toString('hex')}`,
      '',
    );
    fs.writeFileSync(envFile, lines.join('\n'));
    console.log('[demo] Wrote playground/.env with new secrets and sandbox test keys.');
  }
  return envFile;
}

module.exports = { ensureEnv };
