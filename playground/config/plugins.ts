/**
 * The deliverability plugin, from this repository (through the workspace link), with its
 * secrets filled from the environment as the README describes. `scripts/demo.js` writes
 * playground/.env with test-only keys, so that the sandbox transport can sign the delivery
 * reports it sends back, and the plugin verifies them like any provider's.
 */
export default ({ env }) => ({
  deliverability: {
    enabled: true,
    config: {
      publicUrl: env('DELIVERABILITY_PUBLIC_URL', `http://127.0.0.1:${env('PORT', '1337')}`),
      // The sandbox needs no account: the outcome comes from the address (see the README).
      sending: {
        email: env('DELIVERABILITY_EMAIL_TRANSPORT', 'sandbox'),
        sms: env('DELIVERABILITY_SMS_TRANSPORT', 'sandbox'),
        sandbox: { sendgridPrivateKey: env('DELIVERABILITY_SANDBOX_SENDGRID_PRIVATE_KEY'), reportDelayMs: env.int('DELIVERABILITY_SANDBOX_DELAY_MS', 1500) },
      },
      // A demo pace, so that a soft bounce's re-sends show within minutes (the default is 15 min, doubling, for 72 h).
      retry: { initialDelayMinutes: 1, multiplier: 2, maxDelayMinutes: 10, windowHours: 2 },
      // The browser test turns it off, so that nothing changes under it while it looks.
      retrier: { enabled: env.bool('DELIVERABILITY_RETRIER', true) },
      // Off unless asked for (the verification browser test turns it on): reactivations wait for the student.
      reactivation: {
        requireVerification: env.bool('DELIVERABILITY_REQUIRE_VERIFICATION', false),
        secret: env('DELIVERABILITY_VERIFICATION_SECRET'),
      },
      // Bulk sends: the demo's students are on example.ac.uk. The browser test slows the pace and
      // lowers the breaker's sample, so that a send of twenty students shows its progress and trips.
      bulk: {
        campusDomains: env.array('DELIVERABILITY_CAMPUS_DOMAINS', ['example.ac.uk']),
        ratePerSecond: env.float('DELIVERABILITY_BULK_RATE', 10),
        breaker: { minSample: env.int('DELIVERABILITY_BREAKER_MIN_SAMPLE', 200) },
      },
      // Quiet hours for bulk SMS (the demo holds one; see src/seed-critical.ts). Only bulk sends wait
      // here, so that the browser tests' touchpoint messages go at any hour the tests run.
      quietHours: {
        sms: { start: env('DELIVERABILITY_QUIET_START', '21:00'), end: env('DELIVERABILITY_QUIET_END', '08:00') },
        timeZone: env('DELIVERABILITY_SITE_TIME_ZONE', 'Europe/London'),
        sources: ['grab'],
      },
      providers: {
        sendgrid: { publicKey: env('DELIVERABILITY_SENDGRID_PUBLIC_KEY') },
        mailgun: { signingKey: env('DELIVERABILITY_MAILGUN_SIGNING_KEY') },
        postmark: {
          user: env('DELIVERABILITY_POSTMARK_WEBHOOK_USER'),
          password: env('DELIVERABILITY_POSTMARK_WEBHOOK_PASSWORD'),
        },
        ses: { topicArns: env('DELIVERABILITY_SES_TOPIC_ARNS') },
        twilio: { authToken: env('DELIVERABILITY_TWILIO_AUTH_TOKEN') },
        vonage: {
          signatureSecret: env('DELIVERABILITY_VONAGE_SIGNATURE_SECRET'),
          signatureMethod: env('DELIVERABILITY_VONAGE_SIGNATURE_METHOD'),
        },
      },
    },
  },
});
