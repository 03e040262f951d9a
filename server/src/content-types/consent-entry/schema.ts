import { CHANNELS } from '../../core/events';
import { SMS_INTENTS } from '../../core/sms-keywords';

/**
 * The consent history of one number (or address): each opt-out, opt-in and HELP, by whom, when and
 * how, with the words the student sent. Keyed by (channel, address) and never by contact, so that
 * an erasure can hash the address in place and keep the history (proof that a STOP was honoured).
 * Append-only.
 */
export default {
  kind: 'collectionType',
  collectionName: 'deliverability_consents',
  info: {
    singularName: 'consent-entry',
    pluralName: 'consent-entries',
    displayName: 'Consent entry',
    description: 'An opt-out, opt-in or HELP request for one number or address.',
  },
  options: { draftAndPublish: false },
  pluginOptions: {
    'content-manager': { visible: false },
    'content-type-builder': { visible: false },
  },
  attributes: {
    channel: { type: 'enumeration', enum: [...CHANNELS], required: true },
    address: { type: 'string', required: true, maxLength: 320 },
    action: { type: 'enumeration', enum: [...SMS_INTENTS], required: true },
    // How it came: `sms_keyword` (the student texted it).
    via: { type: 'string', required: true, maxLength: 32 },
    // Who: `student`, or an editor's name.
    actor: { type: 'string', maxLength: 255 },
    // The words the student sent, as sent (cut to 1,600 characters: ten SMS segments).
    words: { type: 'text' },
    provider: { type: 'string', maxLength: 64 },
    // The provider's id for the inbound message: a redelivered webhook finds its key taken.
    eventKey: { type: 'string', required: true, unique: true, maxLength: 255 },
    occurredAt: { type: 'datetime', required: true },
  },
  indexes: [
    { name: 'dlv_consents_key_uq', columns: ['event_key'], type: 'unique' },
    { name: 'dlv_consents_address_idx', columns: ['channel', 'address', 'occurred_at'] },
  ],
};
