import type { SendgridSyncSettings } from '../../config/sync';
import { isJsonObject, numberField, stringField } from '../shared';
import { callProviderApi, expectOk, liftFromEach, type ApiCallOptions } from '../suppressions/http';
import type { ListedKind, ListedSuppression, SuppressionListClient } from '../suppressions/types';

/**
 * SendGrid's suppression lists (v3 API, `Authorization: Bearer <API key>`; the key needs
 * "Suppressions" read and, to lift, full access):
 * - `GET /v3/suppression/{bounces|blocks|spam_reports|invalid_emails|unsubscribes}?limit=&offset=`
 *   answers a JSON array of `{ created (epoch s), email, reason?, status? }`; paging is offset/limit,
 *   and a page shorter than `limit` is the last.
 * - `GET /v3/suppression/{list}/{email}` answers `[]` when the address is not on that list (for the
 *   global unsubscribes, `GET /v3/asm/suppressions/global/{email}` answers `{}`); a DELETE answers
 *   204 either way, so the lift asks first, to report which lists really held the address.
 * - `DELETE /v3/suppression/{bounces|blocks|spam_reports|invalid_emails}/{email}` and, for the
 *   global unsubscribes, `DELETE /v3/asm/suppressions/global/{email}`: 204.
 * - 429 with `X-RateLimit-Reset` (epoch s) when over the rate limit.
 * Blocks are not a suppression at SendGrid (it keeps sending to a blocked address: the refusal was
 * about the message or the sender), so they are imported as `failed`, which leaves the address alone.
 */

const LIST_KINDS: Record<string, ListedKind> = {
  bounces: 'hard_bounce',
  blocks: 'failed',
  spam_reports: 'complaint',
  invalid_emails: 'hard_bounce',
  unsubscribes: 'unsubscribe',
};

function entryPath(list: string, email: string): string {
  const encoded = encodeURIComponent(email);
  return list === 'unsubscribes' ? `/v3/asm/suppressions/global/${encoded}` : `/v3/suppression/${list}/${encoded}`;
}

/** An entry look-up's answer: a non-empty array, or an object naming the address. */
function isListed(body: unknown): boolean {
  return Array.isArray(body) ? body.length > 0 : isJsonObject(body) && Object.keys(body).length > 0;
}

function toRecord(list: string, item: unknown): ListedSuppression | null {
  if (!isJsonObject(item)) return null;
  const email = stringField(item, 'email');
  if (!email) return null;
  const created = numberField(item, 'created');
  return {
    address: email,
    kind: LIST_KINDS[list],
    list,
    listedAt: created === undefined ? null : created * 1000,
    reason: stringField(item, 'reason') ?? null,
    code: stringField(item, 'status') ?? null,
  };
}

export function sendgridSuppressions(
  settings: SendgridSyncSettings,
  options: ApiCallOptions & { pageSize: number },
): SuppressionListClient {
  const headers = { authorization: `Bearer ${settings.apiKey}`, accept: 'application/json' };
  const limit = Math.min(options.pageSize, 500);
  return {
    provider: 'sendgrid',
    lists: Object.keys(LIST_KINDS),
    async fetchPage(list, cursor) {
      const offset = cursor === null ? 0 : Number(cursor);
      const url = `${settings.baseUrl}/v3/suppression/${list}?limit=${limit}&offset=${offset}`;
      const response = expectOk('sendgrid', await callProviderApi('sendgrid', url, { headers }, options), `reading ${list}`);
      const items = Array.isArray(response.body) ? response.body : [];
      const records = items.map((item) => toRecord(list, item)).filter((r): r is ListedSuppression => r !== null);
      return { records, next: items.length < limit ? null : String(offset + items.length) };
    },
    lift(address) {
      return liftFromEach(Object.keys(LIST_KINDS), async (list) => {
        const url = `${settings.baseUrl}${entryPath(list, address)}`;
        const found = await callProviderApi('sendgrid', url, { headers }, options);
        if (found.status === 404 || !isListed(expectOk('sendgrid', found, `reading ${list}`).body)) return 'not_listed';
        expectOk('sendgrid', await callProviderApi('sendgrid', url, { method: 'DELETE', headers }, options), `lifting from ${list}`);
        return 'lifted';
      });
    },
  };
}
