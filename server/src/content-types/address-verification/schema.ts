/**
 * Address verifications (issue 16, `reactivation.requireVerification`): an editor's reactivation
 * or address change waiting for the student to confirm the address. `pending` until confirmed,
 * replaced by a newer request (`superseded`), or left to expire; the link's signature or the
 * code's keyed hash is checked against it.
 */
export default {
  kind: 'collectionType',
  collectionName: 'deliverability_address_verifications',
  info: {
    singularName: 'address-verification',
    pluralName: 'address-verifications',
    displayName: 'Address verification',
    description: 'An address waiting for its student to confirm it.',
  },
  options: { draftAndPublish: false },
  pluginOptions: {
    'content-manager': { visible: false },
    'content-type-builder': { visible: false },
  },
  attributes: {
    channel: { type: 'string', required: true, maxLength: 16 },
    address: { type: 'string', required: true, maxLength: 320 },
    /** What confirming does: `reactivation` reactivates the address; `address-change` clears the new address's hold. */
    purpose: { type: 'enumeration', enum: ['reactivation', 'address-change'], required: true },
    method: { type: 'enumeration', enum: ['link', 'code'], required: true },
    status: { type: 'enumeration', enum: ['pending', 'confirmed', 'superseded'], default: 'pending', required: true },
    codeHash: { type: 'string', maxLength: 64 },
    /** Wrong codes so far. */
    attempts: { type: 'integer', default: 0 },
    expiresAt: { type: 'datetime', required: true },
    confirmedAt: { type: 'datetime' },
    requestedById: { type: 'string', maxLength: 64 },
    requestedByName: { type: 'string', maxLength: 255 },
    reason: { type: 'text' },
    contactType: { type: 'string', maxLength: 255 },
    contactDocumentId: { type: 'string', maxLength: 64 },
    /** The verification message's log. */
    logDocumentId: { type: 'string', maxLength: 64 },
  },
  indexes: [{ name: 'dlv_verification_address_idx', columns: ['channel', 'address', 'status'] }],
};
