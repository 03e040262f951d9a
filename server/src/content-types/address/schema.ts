import { CHANNELS } from '../../core/events';
import { ADDRESS_STATES } from '../../core/statuses';

/**
 * The address ledger: one row per (channel, normalized address). Suppression belongs to an
 * address, not a person: a contact can change address, and two contacts can share one.
 */
export default {
  kind: 'collectionType',
  collectionName: 'deliverability_addresses',
  info: {
    singularName: 'address',
    pluralName: 'addresses',
    displayName: 'Address',
    description: 'The delivery state of one email address or mobile number.',
  },
  options: { draftAndPublish: false },
  pluginOptions: {
    'content-manager': { visible: false },
    'content-type-builder': { visible: false },
  },
  attributes: {
    channel: { type: 'enumeration', enum: [...CHANNELS], required: true },
    address: { type: 'string', required: true, maxLength: 320 },
    state: { type: 'enumeration', enum: [...ADDRESS_STATES], default: 'active', required: true },
    reason: { type: 'text' },
    providerCode: { type: 'string', maxLength: 255 },
    provider: { type: 'string', maxLength: 64 },
    // The event and message that decided the state.
    stateEventKey: { type: 'string', maxLength: 255 },
    stateEventAt: { type: 'datetime' },
    stateLogDocumentId: { type: 'string', maxLength: 255 },
    stateChangedAt: { type: 'datetime' },
    lastDeliveredAt: { type: 'datetime' },
    lastSoftBounceAt: { type: 'datetime' },
    softBounceCount: { type: 'integer', default: 0, required: true },
    exhaustedStreak: { type: 'integer', default: 0, required: true },
    bounceScore: { type: 'decimal', default: 0, required: true },
    reactivatedAt: { type: 'datetime' },
    reactivatedBy: { type: 'string', maxLength: 255 },
    reactivationReason: { type: 'text' },
    // A two-strike domain's first hard bounce, until a second one (or a delivery) follows.
    lastStrikeAt: { type: 'datetime' },
  },
  indexes: [
    // Every suppression check and webhook: the ledger entry for a channel and address. Unique: one row per address.
    { name: 'dlv_addresses_key_uq', columns: ['channel', 'address'], type: 'unique' },
    // The suppression list, filtered by state.
    { name: 'dlv_addresses_state_idx', columns: ['state', 'state_changed_at'] },
  ],
};
