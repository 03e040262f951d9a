import type { Core } from '@strapi/strapi';
import type { Channel } from '../core/events';
import type { AddressState } from '../core/statuses';
import { suppressionClients, type SuppressionListClient } from '../providers/suppressions';
import type { ProviderLift, ReconcileResult } from '../contract';
import { AdminApiError } from '../utils/admin-error';
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

  /** One provider's lists; what no longer holds the address leaves the drift report. */
  async function liftAt(client: SuppressionListClient, address: string): Promise<ProviderLift> {
    const lists = await client.lift(address);
    await getService(strapi, 'provider-listings').forget(client.provider, address, lists);
    const failed = lists.filter((l) => l.result === 'failed');
    const result = failed.length > 0 ? 'failed' : lists.some((l) => l.result === 'lifted') ? 'lifted' : 'not_listed';
    return { provider: client.provider, result, lists, detail: failed.map((l) => `${l.list}: ${l.detail ?? 'failed'}`).join('; ') || null };
  }

  async function liftEmail(address: string): Promise<ProviderLift[]> {
    const lifts: ProviderLift[] = [];
    for (const client of clients()) lifts.push(await liftAt(client, address));
    return lifts;
  }

  async function recordLifts(actor: Actor, channel: Channel, address: string, reason: string, lifts: ProviderLift[]): Promise<void> {
    await getService(strapi, 'audit').record({ action: 'lift-provider-suppressions', actor, channel, address, reason, after: { lifts } });
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
      if (lifts.length > 0) await recordLifts(input.actor, input.channel, input.address, input.reason, lifts);
      const failed = lifts.filter((l) => l.result === 'failed').map((l) => l.provider);
      if (failed.length > 0) strapi.log.warn(`[deliverability] a reactivated address could not be lifted at: ${failed.join(', ')}`);
      return lifts;
    },

    /**
     * The drift report's "lift at the provider": addresses usable here but listed there are lifted
     * there (the plugin's state wins: it is where editors decide), a batch at a time, each audited.
     */
    async reconcile(provider: string, actor: Actor, batch = 100): Promise<ReconcileResult> {
      const client = clients().find((c) => c.provider === provider);
      if (!client) throw new AdminApiError(404, `${provider} has no API credentials configured, so nothing can be lifted there.`);
      const listings = getService(strapi, 'provider-listings');
      const result: ReconcileResult = { provider, lifted: 0, failed: [], remaining: 0 };
      for (const address of await listings.driftedAddresses(provider, batch)) {
        const lift = await liftAt(client, address);
        await recordLifts(actor, 'email', address, 'Reconciled from the drift report: the address is usable here.', [lift]);
        if (lift.result === 'failed') result.failed.push({ address, detail: lift.detail });
        else result.lifted += 1;
      }
      result.remaining = (await listings.drift({ provider, page: 1, pageSize: 1 })).counts[provider] ?? 0;
      return result;
    },
  };
};
