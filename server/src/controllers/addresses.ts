import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { parsePhone } from '../core/phone';
import { SendRefusedError } from '../services/messages';
import { getService } from '../utils/plugin';
import { refuse } from './messages';

function phoneProblem(input: string): string {
  const parsed = parsePhone(input);
  return parsed.ok ? 'is not a phone number' : parsed.reason;
}

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /** GET /addresses/:channel/:address: the ledger's view of one address, for a CRM checking before a campaign. */
  async findOne(ctx: Context) {
    const channel = String(ctx.params.channel);
    if (channel !== 'email' && channel !== 'sms') return refuse(ctx, new SendRefusedError(400, 'channel', "channel must be 'email' or 'sms'"));
    const view = await getService(strapi, 'ledger').view(channel, String(ctx.params.address));
    if (!view) {
      return refuse(
        ctx,
        new SendRefusedError(400, 'address', channel === 'email' ? 'address is not a valid email address' : `address ${phoneProblem(String(ctx.params.address))}`),
      );
    }
    ctx.body = { data: view };
  },
});
