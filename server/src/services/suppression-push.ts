import type { Core } from '@strapi/strapi';
import type { Channel } from '../core/events';
import type { AddressState } from '../core/statuses';
import { suppressionClients } from '../providers/suppressions';
import type { ProviderLift } from '../contract';
import { getService } from '../utils/plugin';
import type { Actor } from './audit';

/**
 * The push: an address reactivated here is lifted from every provider list that holds it (their
 * delete APIs), so the provider does not go on dropping what the plugin now sends. Runs after the
 * reactivation has committed, never inside its transaction (no network call while rows are
 * locked); its outcome, provider by provider, is an audit entry of its own and part of the answer.
 * A provider that could not lift it leaves the reactivation standing: the audit says which, and the
 * drift report shows the address until someone lifts it there.
 *
 * An SMS opt-out cannot be lifted by anyone but the student, who texts START to the sender (US
 * carriers and Twilio require it); the push says so rather than pretending.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const clients = () => {
    const config = getService(strapi, 'config').get();
    return suppressionClients(config.sync, config.sending.timeoutMs);
  };

  async function liftEmail(address: string): Promise<ProviderLift[]> {
    const lifts: ProviderLift[] = [];
    for (const client of clients()) {
      const lists = await client.lift(address);
      const failed = lists.filter((l) => l.result === 'failed');
      const result = failed.length > 0 ? 'failed' : lists.some((l) => l.result === 'lifted') ? 'lifted' : 'not_listed';
      lifts.push({
        provider: client.provider,
        result,
        lists,
        detail: failed.map((l) => `${l.list}: ${l.detail ?? 'failed'}`).join('; ') || null,
      });
    }
    return lifts;
  }

  return {
    /** Lifts the address wherever a provider suppresses it, and records what happened. */
    async liftEverywhere(input: {
      channel: Channel;
      address: string;
      before: AddressState;
      actor: Actor;
      reason: string;
    }): Promise<ProviderLift[]> {
      const lifts: ProviderLift[] =
        input.channel === 'email'
          ? await liftEmail(input.address)
          : input.before === 'opted_out'
            ? [
                {
                  provider: 'sms',
                  result: 'not_possible',
                  lists: [],
                  detail: 'An SMS opt-out is lifted only by the student texting START.',
                },
              ]
            : [];
      if (lifts.length > 0) {
        await getService(strapi, 'audit').record({
          action: 'lift-provider-suppressions',
          actor: input.actor,
          channel: input.channel,
          address: input.address,
          reason: input.reason,
          after: { lifts },
        });
      }
      const failed = lifts.filter((l) => l.result === 'failed').map((l) => l.provider);
      if (failed.length > 0) strapi.log.warn(`[deliverability] a reactivated address could not be lifted at: ${failed.join(', ')}`);
      return lifts;
    },
  };
};
