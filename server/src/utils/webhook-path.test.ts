import type { Core } from '@strapi/strapi';
import { restPrefix, webhookPath } from './webhook-path';

const withPrefix = (prefix: unknown): Core.Strapi =>
  ({ config: { get: (key: string, fallback: unknown) => (key === 'api.rest.prefix' && prefix !== undefined ? prefix : fallback) } }) as unknown as Core.Strapi;

describe('webhookPath', () => {
  it.each([
    [undefined, '/api/deliverability/webhooks/sendgrid'],
    ['/api', '/api/deliverability/webhooks/sendgrid'],
    ['/rest/v2', '/rest/v2/deliverability/webhooks/sendgrid'],
    ['/rest/v2/', '/rest/v2/deliverability/webhooks/sendgrid'],
    ['/', '/deliverability/webhooks/sendgrid'],
  ])('with api.rest.prefix %p: %s', (prefix, path) => {
    expect(webhookPath(withPrefix(prefix), 'sendgrid')).toBe(path);
  });

  it('without a provider, the common base', () => {
    expect(webhookPath(withPrefix('/v1'))).toBe('/v1/deliverability/webhooks');
    expect(restPrefix(withPrefix(42))).toBe('/api');
  });
});
