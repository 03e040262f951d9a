import { useAddressStatuses, type AddressStatus } from '../utils/api';
import type { Channel } from '../utils/status';

/**
 * For rows that carry no status mirror (a site's own student type), the list asks the server
 * for the state of every address on the page in one request. Every cell of the page asks with
 * the same (sorted) list, so they share that request through the admin's query cache, which a
 * reactivation or a retry invalidates.
 */
export function useAddressLookup(pairs: { channel: Channel; address: string }[], enabled: boolean): AddressStatus[] | undefined {
  const sorted = [...pairs].sort((a, b) => (a.channel === b.channel ? a.address.localeCompare(b.address) : a.channel.localeCompare(b.channel)));
  return useAddressStatuses({ addresses: sorted }, enabled);
}
