/**
 * Routes under /api/deliverability. Webhooks are public (`auth: false`): each provider's own
 * signature scheme protects them, checked in the webhooks service before anything is read.
 * Sending and the address lookup need a Strapi API token (full access, or a custom token
 * granted these actions in Settings → API Tokens).
 */
export default {
  type: 'content-api',
  routes: [
    { method: 'POST', path: '/messages', handler: 'messages.send', config: { policies: [] } },
    { method: 'GET', path: '/messages/:id', handler: 'messages.findOne', config: { policies: [] } },
    { method: 'POST', path: '/bulk-sends', handler: 'bulk-sends.create', config: { policies: [] } },
    { method: 'GET', path: '/bulk-sends/:id', handler: 'bulk-sends.findOne', config: { policies: [] } },
    { method: 'GET', path: '/bulk-sends/:id/mailbox-providers', handler: 'bulk-sends.mailboxProviders', config: { policies: [] } },
    { method: 'POST', path: '/bulk-sends/:id/pause', handler: 'bulk-sends.pause', config: { policies: [] } },
    { method: 'POST', path: '/bulk-sends/:id/resume', handler: 'bulk-sends.resume', config: { policies: [] } },
    { method: 'POST', path: '/bulk-sends/:id/cancel', handler: 'bulk-sends.cancel', config: { policies: [] } },
    { method: 'GET', path: '/addresses/:channel/:address', handler: 'addresses.findOne', config: { policies: [] } },
    // A student confirming an address (reactivation.requireVerification): public, rate-limited, checked by signature or code.
    { method: 'GET', path: '/verifications/confirm', handler: 'verifications.show', config: { auth: false } },
    { method: 'POST', path: '/verifications/confirm', handler: 'verifications.confirm', config: { auth: false } },
    // The texted code's page: the id (in the text message only) names the verification.
    { method: 'GET', path: '/verifications/code/:id', handler: 'verifications.codePage', config: { auth: false } },
    { method: 'POST', path: '/verifications/code/:id', handler: 'verifications.confirmCodePage', config: { auth: false } },
    // One-click unsubscribe (RFC 8058): public, the signed token in the path is the credential. GET only shows a page.
    { method: 'GET', path: '/unsubscribe/:token', handler: 'unsubscribe.page', config: { auth: false } },
    { method: 'POST', path: '/unsubscribe/:token', handler: 'unsubscribe.confirm', config: { auth: false } },
    // Students' texts (STOP, START, HELP) to the site's number: Twilio and Vonage, signed like their status callbacks.
    { method: 'POST', path: '/webhooks/:provider/inbound', handler: 'webhooks.inbound', config: { auth: false } },
    { method: 'GET', path: '/webhooks/:provider/inbound', handler: 'webhooks.inbound', config: { auth: false } },
    {
      method: 'POST',
      path: '/webhooks/:provider',
      handler: 'webhooks.receive',
      config: { auth: false },
    },
    {
      // Vonage can be set to send delivery receipts as GET requests.
      method: 'GET',
      path: '/webhooks/:provider',
      handler: 'webhooks.receive',
      config: { auth: false },
    },
  ],
};
