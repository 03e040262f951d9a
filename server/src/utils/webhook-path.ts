import type { Core } from '@strapi/strapi';
import { PLUGIN_ID } from './uids';

/**
 * The path of the plugin's webhook routes. Content-API routes are mounted under the site's REST
 * prefix (`api.rest.prefix` in config/api, `/api` by default), so the path is built from it
 * wherever it is needed: the raw-body middleware, the status-callback URLs given to providers,
 * the sandbox's reports and the providers page.
 */
export function restPrefix(strapi: Core.Strapi): string {
  const configured = strapi.config.get('api.rest.prefix', '/api');
  const text = typeof configured === 'string' ? configured.trim() : '/api';
  // `api`, `/api/` and `/api` all mean the same mount point; '' or '/' means the root.
  const trimmed = text.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `/${trimmed}`;
}

/** `/api/deliverability/webhooks`, or `/<provider>` under it. */
export function webhookPath(strapi: Core.Strapi, provider?: string): string {
  const base = `${restPrefix(strapi)}/${PLUGIN_ID}/webhooks`;
  return provider === undefined ? base : `${base}/${provider}`;
}
