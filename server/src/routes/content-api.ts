/**
 * Routes under /api/deliverability. Webhooks are public (`auth: false`): each provider's own
 * signature scheme protects them, checked in the webhooks service before anything is read.
 */
export default {
  type: 'content-api',
  routes: [
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
