/** A test-only P-256 key pair and Twilio token, so the sandbox can sign reports the plugin verifies. */
import { generateKeyPairSync, randomBytes } from 'node:crypto';

export function sandboxKeys(): { sendgridPublicKey: string; sendgridPrivateKey: string; twilioAuthToken: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    sendgridPublicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    sendgridPrivateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    twilioAuthToken: randomBytes(16).toString('hex'),
  };
}

/** Plugin config for an app whose email and SMS go through the sandbox and report back at once. */
export function sandboxConfig(port: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const keys = sandboxKeys();
  return {
    publicUrl: `http://127.0.0.1:${port}`,
    providers: { sendgrid: { publicKey: keys.sendgridPublicKey }, twilio: { authToken: keys.twilioAuthToken } },
    sending: { email: 'sandbox', sms: 'sandbox', sandbox: { sendgridPrivateKey: keys.sendgridPrivateKey, reportDelayMs: 0 } },
    retrier: { enabled: false },
    ...extra,
  };
}

/**
 * The status a send's or retry's response may show for a message the sandbox accepted. The sandbox
 * reports at once, and the plugin lets reports in while it records the hand-off, so by the time
 * the response reads the message its report may have landed: "sent", or the report's status.
 */
export const handedOffThen = (reported: 'delivered' | 'bounced'): unknown => expect.stringMatching(new RegExp(`^(sent|${reported})$`));
