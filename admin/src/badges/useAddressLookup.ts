import * as React from 'react';
import { useFetchClient } from '@strapi/strapi/admin';
import { apiPath, type AddressLookupRequest, type AddressStatus } from '../utils/api';
import type { Channel } from '../utils/status';

/**
 * For rows that carry no status mirror (a site's own student type), the list asks the server
 * for the state of every address on the page in one request. Every cell of the page asks with
 * the same list, so they share one request through this cache.
 */
const cache = new Map<string, Promise<AddressStatus[]>>();
const CACHE_LIMIT = 50;

export function lookupKey(pairs: { channel: Channel; address: string }[]): string {
  return pairs
    .map((p) => `${p.channel}:${p.address}`)
    .sort()
    .join('\n');
}

export function useAddressLookup(pairs: { channel: Channel; address: string }[], enabled: boolean): AddressStatus[] | undefined {
  const { post } = useFetchClient();
  const key = lookupKey(pairs);
  const [result, setResult] = React.useState<AddressStatus[] | undefined>(undefined);
  React.useEffect(() => {
    if (!enabled || pairs.length === 0) return undefined;
    let current = true;
    let pending = cache.get(key);
    if (!pending) {
      if (cache.size >= CACHE_LIMIT) cache.clear();
      const body: AddressLookupRequest = { addresses: pairs };
      pending = post<{ data: AddressStatus[] }>(apiPath('/addresses/lookup'), body).then((r) => r.data.data);
      // A failed look-up (no permission, say) is not kept: the next page asks again.
      pending.catch(() => cache.delete(key));
      cache.set(key, pending);
    }
    pending.then((statuses) => current && setResult(statuses)).catch(() => current && setResult([]));
    return () => {
      current = false;
    };
    // `key` stands for `pairs`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, enabled, post]);
  return result;
}
