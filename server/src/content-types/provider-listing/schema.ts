/**
 * What each provider's suppression lists held at its last pull: one row per (provider, list,
 * address). Written by the pull (rows not seen in a complete pull are removed), and by the push
 * (a lifted address is removed). The drift report compares it with the ledger.
 */
export default {
  kind: 'collectionType',
  collectionName: 'deliverability_provider_listings',
  info: {
    singularName: 'provider-listing',
    pluralName: 'provider-listings',
    displayName: 'Provider listing',
    description: "An address on a provider's suppression list, as last pulled.",
  },
  options: { draftAndPublish: false },
  pluginOptions: {
    'content-manager': { visible: false },
    'content-type-builder': { visible: false },
  },
  attributes: {
    provider: { type: 'string', required: true, maxLength: 32 },
    list: { type: 'string', required: true, maxLength: 64 },
    address: { type: 'string', required: true, maxLength: 255 },
    /** The event kind the listing means (`failed` for a SendGrid block, which suppresses nothing). */
    kind: { type: 'string', maxLength: 32 },
    listedAt: { type: 'datetime' },
    /** The start of the pull that last saw it. */
    seenAt: { type: 'datetime' },
  },
  indexes: [
    { name: 'dlv_listings_uq', columns: ['provider', 'list', 'address'], type: 'unique' },
    { name: 'dlv_listings_address_idx', columns: ['address'] },
  ],
};
