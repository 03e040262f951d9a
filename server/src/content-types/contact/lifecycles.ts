import { errors } from '@strapi/utils';
import { normalizeEmail } from '../../core/addresses';
import { parsePhone } from '../../core/phone';
import { canonicalTimeZone, isTimeZone } from '../../core/time-zones';
import type { Channel } from '../../core/events';

/**
 * Keeps a contact's addresses in their normal form and its status mirror equal to the ledger's
 * status for the address it now has (active when the ledger has never heard of it). Runs on every
 * write, from the Content Manager, the Document Service or the Query Engine.
 */

export interface LifecycleEvent {
  params: { data?: Record<string, unknown> };
}

const FIELDS: Record<Channel, { address: string; status: string; reason: string; at: string }> = {
  email: { address: 'email', status: 'emailStatus', reason: 'emailStatusReason', at: 'emailStatusAt' },
  sms: { address: 'mobile', status: 'mobileStatus', reason: 'mobileStatusReason', at: 'mobileStatusAt' },
};

function invalid(field: string, message: string): never {
  throw new errors.ValidationError(message, {
    errors: [{ path: [field], message, name: 'ValidationError', value: undefined }],
  });
}

async function syncAddress(data: Record<string, unknown>, channel: Channel): Promise<void> {
  const fields = FIELDS[channel];
  if (!(fields.address in data)) return;
  const raw = data[fields.address];
  if (raw === null || raw === undefined || (typeof raw === 'string' && raw.trim() === '')) {
    data[fields.address] = null;
    Object.assign(data, { [fields.status]: 'active', [fields.reason]: null, [fields.at]: null });
    return;
  }
  if (typeof raw !== 'string') invalid(fields.address, `${fields.address} must be text`);
  let normalized: string | null;
  if (channel === 'email') {
    normalized = normalizeEmail(raw);
    if (!normalized) invalid(fields.address, `email "${raw}" is not a valid email address`);
  } else {
    const phone = parsePhone(raw);
    if (!phone.ok) {
      invalid(fields.address, `mobile ${phone.reason} (mobiles are kept as international E.164 numbers)`);
    }
    normalized = phone.e164;
  }
  data[fields.address] = normalized;
  const ledger = strapi.plugin('deliverability').service('ledger') as {
    stateOf(channel: Channel, address: string): Promise<{ state: string; reason: string | null; at: Date | null }>;
  };
  const { state, reason, at } = await ledger.stateOf(channel, normalized);
  Object.assign(data, { [fields.status]: state, [fields.reason]: reason, [fields.at]: at });
}

/**
 * A bad zone is refused on the write (400, the field named) rather than ignored at send time: an
 * editor typing "EST" or "New York" learns it then, not when a text goes out at 2 am. Empty clears
 * it (the site's zone applies); a known one is kept in its canonical spelling.
 */
function checkTimeZone(data: Record<string, unknown>): void {
  if (!('timeZone' in data)) return;
  const raw = data.timeZone;
  if (raw === null || raw === undefined || (typeof raw === 'string' && raw.trim() === '')) {
    data.timeZone = null;
    return;
  }
  if (typeof raw !== 'string' || !isTimeZone(raw.trim())) {
    invalid('timeZone', `timeZone "${String(raw).slice(0, 64)}" is not a time zone (use an IANA name such as America/New_York)`);
  }
  data.timeZone = canonicalTimeZone(raw.trim());
}

async function beforeWrite(event: LifecycleEvent): Promise<void> {
  const data = event.params.data;
  if (!data) return;
  checkTimeZone(data);
  await syncAddress(data, 'email');
  await syncAddress(data, 'sms');
}

export default {
  beforeCreate: beforeWrite,
  beforeUpdate: beforeWrite,
};
