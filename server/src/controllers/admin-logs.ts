import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { CHANNELS, UNMATCHED_OUTCOMES, type Channel } from '../core/events';
import { MESSAGE_STATUSES } from '../core/statuses';
import { AdminApiError } from '../utils/admin-error';
import { getService } from '../utils/plugin';
import type { ContactLogsParams, ContactParams, ContactRef, UnmatchedParams } from '../contract';
import { isChannel, MAX_LOOKUP } from '../services/logs';
import { answer, currentActor, oneOf, pageParams, param, queryString } from './admin-params';

export default ({ strapi }: { strapi: Core.Strapi }) => {
  /** The contact a request is about: `:documentId`, and `?type=` for a site's own contact type. */
  function contactRef(ctx: Context): ContactRef {
    const contacts = getService(strapi, 'contacts');
    const type = queryString(ctx, param<ContactParams>('type')) ?? contacts.defaultType();
    if (!contacts.source(type)) throw new AdminApiError(400, `"${type}" is not a contact type the plugin tracks.`);
    return { type, documentId: String(ctx.params.documentId) };
  }

  return {
    /** GET /contacts/:documentId/logs?type&channel&status&page&pageSize */
    async contactLogs(ctx: Context) {
      await answer(ctx, async () => {
        const ref = contactRef(ctx);
        return getService(strapi, 'logs').forContact(ref, {
          channel: oneOf(ctx, param<ContactLogsParams>('channel'), CHANNELS),
          status: oneOf(ctx, param<ContactLogsParams>('status'), MESSAGE_STATUSES),
          ...pageParams(ctx, { pageSize: 10, maxPageSize: 50 }),
        });
      });
    },

    /** GET /contacts/:documentId/summary?type */
    async contactSummary(ctx: Context) {
      await answer(ctx, async () => getService(strapi, 'logs').summary(contactRef(ctx)));
    },

    /** POST /contacts/:documentId/erase?type: a privacy request (services/erasure.ts). */
    async erase(ctx: Context) {
      await answer(ctx, async () => getService(strapi, 'erasure').erase(contactRef(ctx)));
    },

    /** GET /logs/:documentId: one message with its attempts, events and audit entries. */
    async findOne(ctx: Context) {
      await answer(ctx, async () => getService(strapi, 'logs').get(String(ctx.params.documentId)));
    },

    /** POST /addresses/lookup { addresses: [{ channel, address }] }: the list view's badges, one request per page. */
    async addressStatuses(ctx: Context) {
      await answer(ctx, async () => {
        const body = (ctx.request as { body?: { addresses?: unknown } }).body;
        const items = body?.addresses;
        if (!Array.isArray(items)) throw new AdminApiError(400, 'addresses must be a list of { channel, address }.');
        if (items.length > MAX_LOOKUP) throw new AdminApiError(400, `Ask for at most ${MAX_LOOKUP} addresses at once.`);
        const parsed = items.map((item: unknown) => {
          const { channel, address } = (item ?? {}) as { channel?: unknown; address?: unknown };
          if (!isChannel(channel) || typeof address !== 'string') throw new AdminApiError(400, 'Each address needs a channel (email or sms) and an address.');
          return { channel: channel as Channel, address };
        });
        return getService(strapi, 'logs').addressStatuses(parsed);
      });
    },

    /** GET /events/unmatched?provider&channel&outcome&page&pageSize */
    async unmatched(ctx: Context) {
      await answer(ctx, async () =>
        getService(strapi, 'logs').unmatched({
          provider: queryString(ctx, param<UnmatchedParams>('provider')),
          channel: oneOf(ctx, param<UnmatchedParams>('channel'), CHANNELS),
          outcome: oneOf(ctx, param<UnmatchedParams>('outcome'), UNMATCHED_OUTCOMES),
          ...pageParams(ctx, { pageSize: 20 }),
        }),
      );
    },

    /** POST /logs/:documentId/retry: send a deferred or failed message again now. */
    async retry(ctx: Context) {
      await answer(ctx, async () => {
        const actor = currentActor(ctx);
        const documentId = String(ctx.params.documentId);
        // The send service checks the status, claims the message and writes the audit entry itself.
        await getService(strapi, 'messages').retryNow(documentId, actor);
        return getService(strapi, 'logs').get(documentId);
      });
    },
  };
};
