import type { MailgunSyncSettings } from '../../config/sync';
import { arrayField, isJsonObject, objectField, stringField, textField } from '../shared';
import { callProviderApi, expectOk, liftFromEach, ProviderApiError, type ApiCallOptions } from '../suppressions/http';
import type { ListedKind, ListedSuppression, SuppressionListClient } from '../suppressions/types';

/**
 * Mailgun's suppression lists, per sending domain (basic auth `api:<API key>`; EU accounts use
 * `https://api.eu.mailgun.net` as the base URL):
 * - `GET /v3/{domain}/{bounces|complaints|unsubscribes}?limit=` answers
 *   `{ items: [{ address, code?, error?, created_at (RFC 2822) }], paging: { first, next, previous, last } }`.
 *   Paging follows `paging.next`, a full URL with an opaque `page`/`address` position; the list
 *   ends with a page of no items.
 * - `DELETE /v3/{domain}/{list}/{address}`: 200, or 404 when the address is not on that list.
 * - 429 with `Retry-After` when over the rate limit.
 */

const LIST_KINDS: Record<string, ListedKind> = { bounces: 'hard_bounce', complaints: 'complaint', unsubscribes: 'unsubscribe' };

function toRecord(list: string, item: unknown): ListedSuppression | null {
  if (!isJsonObject(item)) return null;
  const address = stringField(item, 'address');
  if (!address) return null;
  const created = Date.parse(stringField(item, 'created_at') ?? '');
  return {
    address,
    kind: LIST_KINDS[list],
    list,
    listedAt: Number.isNaN(created) ? null : created,
    reason: stringField(item, 'error') ?? null,
    code: textField(item, 'code') ?? null,
  };
}

/** The next page's link below the base URL, kept only when it points at the same API (a cursor is stored and followed later). */
function nextCursor(settings: MailgunSyncSettings, next: string | undefined): string {
  if (!next?.startsWith(`${settings.baseUrl}/`)) throw new ProviderApiError('mailgun', null, 'a page had no usable next link');
  return next.slice(settings.baseUrl.length);
}

export function mailgunSuppressions(settings: MailgunSyncSettings, options: ApiCallOptions & { pageSize: number }): SuppressionListClient {
  const headers = { authorization: `Basic ${Buffer.from(`api:${settings.apiKey}`).toString('base64')}`, accept: 'application/json' };
  const domain = encodeURIComponent(settings.domain);
  const limit = Math.min(options.pageSize, 1000);
  return {
    provider: 'mailgun',
    lists: Object.keys(LIST_KINDS),
    async fetchPage(list, cursor) {
      const url = `${settings.baseUrl}${cursor ?? `/v3/${domain}/${list}?limit=${limit}`}`;
      const response = expectOk('mailgun', await callProviderApi('mailgun', url, { headers }, options), `reading ${list}`);
      const body = isJsonObject(response.body) ? response.body : {};
      const items = arrayField(body, 'items') ?? [];
      const records = items.map((item) => toRecord(list, item)).filter((r): r is ListedSuppression => r !== null);
      if (items.length === 0) return { records, next: null };
      return { records, next: nextCursor(settings, stringField(objectField(body, 'paging') ?? {}, 'next')) };
    },
    lift(address) {
      return liftFromEach(Object.keys(LIST_KINDS), async (list) => {
        const url = `${settings.baseUrl}/v3/${domain}/${list}/${encodeURIComponent(address)}`;
        const response = await callProviderApi('mailgun', url, { method: 'DELETE', headers }, options);
        if (response.status === 404) return 'not_listed';
        expectOk('mailgun', response, `lifting from ${list}`);
        return 'lifted';
      });
    },
  };
}
