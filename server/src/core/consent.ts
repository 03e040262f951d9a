/**
 * The consent history's rules (the rows themselves are written by `services/consent.ts`, the one
 * writer). Pure: no Strapi.
 */
import type { Channel, NormalizedEvent } from './events';
import { LISTED_RAW_TYPE_PREFIX } from './listed';
import type { SmsIntent } from './sms-keywords';
import type { AddressState } from './statuses';

/** How a consent change came: the student texted a keyword to us, or the provider told us the number had opted out with it. */
export type ConsentVia = 'sms_keyword' | 'provider_report';

/** `rawType` of the events made from students' inbound texts (services/inbound-sms.ts): they carry their own consent row. */
export const INBOUND_RAW_TYPE = 'inbound';

/** One row of a number's consent history, as written. */
export interface ConsentRecord {
  channel: Channel;
  address: string;
  action: SmsIntent;
  via: ConsentVia;
  /** `student`, or an editor's name. */
  actor: string | null;
  /** The words the student sent (keyword texts only). */
  words: string | null;
  provider: string | null;
  /** Unique: a redelivered webhook finds its key taken. */
  eventKey: string;
  occurredAt: number;
}

/**
 * The consent row owed for a provider's report that the number had opted out (Twilio's error
 * 21610, Vonage's "Illegal Number"): only when the report is what moved the number to opted out.
 * A second report about a number already opted out changes nothing, so it writes nothing; an
 * inbound STOP writes its own row with the student's words; a suppression list's entry is a
 * listing, not a report about a message.
 */
export function providerReportedOptOut(
  event: NormalizedEvent,
  address: string,
  before: AddressState,
  after: AddressState,
): ConsentRecord | null {
  if (event.channel !== 'sms' || after !== 'opted_out' || before === 'opted_out') return null;
  if (event.rawType === INBOUND_RAW_TYPE || event.rawType.startsWith(LISTED_RAW_TYPE_PREFIX)) return null;
  return {
    channel: 'sms',
    address,
    action: 'opt_out',
    via: 'provider_report',
    // The student opted out with the provider (a STOP to its number); the provider only told us.
    actor: 'student',
    words: null,
    provider: event.provider,
    eventKey: `consent:${event.eventKey}`.slice(0, 255),
    occurredAt: event.occurredAt,
  };
}
