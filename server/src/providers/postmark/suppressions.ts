import type { PostmarkSyncSettings } from '../../config/sync';
import { arrayField, isJsonObject, stringField } from '../shared';
import { callProviderApi, expectOk, liftFromEach, ProviderApiError, type ApiCallOptions } from '../suppressions/http';
import type { ListedKind, ListedSuppression, SuppressionListClient } from '../suppressions/types';

/**
 * Postmark keeps one suppression list per message stream (header `X-Postmark-Server-Token`):
 * - `GET /message-streams/{stream}/suppressions/dump[?emailaddress=]` answers
 *   `{ Suppressions: [{ EmailAddress, SuppressionReason (HardBounce|SpamComplaint|ManualSuppression), Origin, CreatedAt }] }`,
 *   the whole list at once (no paging), so each stream is one page.
 * - `POST /message-streams/{stream}/suppressions/delete` with `{ Suppressions: [{ EmailAddress }] }`
 *   answers a `Status` per address (`Deleted` or `Failed` with a `Message`: Postmark does not let
 *   a spam complaint be lifted through the API). It answers `Deleted` for an address it did not
 *   hold, so the lift looks the address up first.
 * - 429 with `Retry-After` when over the rate limit.
 */

const REASON_KINDS: Record<string, ListedKind> = {
  HardBounce: 'hard_bounce',
  SpamComplaint: 'complaint',
  ManualSuppression: 'unsubscribe',
};

function toRecord(stream: string, item: unknown): ListedSuppression | null {
  if (!isJsonObject(item)) return null;
  const address = stringField(item, 'EmailAddress');
  const reason = stringField(item, 'SuppressionReason');
  if (!address || !reason || !REASON_KINDS[reason]) return null;
  const created = Date.parse(stringField(item, 'CreatedAt') ?? '');
  return {
    address,
    kind: REASON_KINDS[reason],
    list: stream,
    listedAt: Number.isNaN(created) ? null : created,
    reason: stringField(item, 'Origin') ?? null,
    code: reason,
  };
}

export function postmarkSuppressions(settings: PostmarkSyncSettings, options: ApiCallOptions): SuppressionListClient {
  const headers = { 'x-postmark-server-token': settings.serverToken, accept: 'application/json' };
  const dump = async (stream: string, address?: string): Promise<unknown[]> => {
    const query = address ? `?emailaddress=${encodeURIComponent(address)}` : '';
    const url = `${settings.baseUrl}/message-streams/${encodeURIComponent(stream)}/suppressions/dump${query}`;
    const response = expectOk('postmark', await callProviderApi('postmark', url, { headers }, options), `reading stream ${stream}`);
    return (isJsonObject(response.body) ? arrayField(response.body, 'Suppressions') : undefined) ?? [];
  };
  return {
    provider: 'postmark',
    lists: settings.streams,
    async fetchPage(stream) {
      const records = (await dump(stream)).map((item) => toRecord(stream, item)).filter((r): r is ListedSuppression => r !== null);
      return { records, next: null };
    },
    lift(address) {
      return liftFromEach(settings.streams, async (stream) => {
        if ((await dump(stream, address)).length === 0) return 'not_listed';
        const url = `${settings.baseUrl}/message-streams/${encodeURIComponent(stream)}/suppressions/delete`;
        const init = {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ Suppressions: [{ EmailAddress: address }] }),
        };
        const response = expectOk('postmark', await callProviderApi('postmark', url, init, options), `lifting from stream ${stream}`);
        const result = isJsonObject(response.body) ? (arrayField(response.body, 'Suppressions') ?? [])[0] : undefined;
        const status = isJsonObject(result) ? stringField(result, 'Status') : undefined;
        if (status !== 'Deleted')
          throw new ProviderApiError(
            'postmark',
            response.status,
            (isJsonObject(result) && stringField(result, 'Message')) || 'the suppression was not deleted',
          );
        return 'lifted';
      });
    },
  };
}
