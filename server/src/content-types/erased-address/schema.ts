/**
 * The suppressed addresses of erased students, as salted hashes (core/erasure.ts): no address,
 * no name, only what keeps the address from being used again.
 */
export default {
  kind: 'collectionType',
  collectionName: 'deliverability_erased_addresses',
  info: {
    singularName: 'erased-address',
    pluralName: 'erased-addresses',
    displayName: 'Erased address',
    description: "A salted hash of an erased student's suppressed address.",
  },
  options: { draftAndPublish: false },
  pluginOptions: {
    'content-manager': { visible: false },
    'content-type-builder': { visible: false },
  },
  attributes: {
    channel: { type: 'string', required: true, maxLength: 16 },
    addressHash: { type: 'string', required: true, unique: true, maxLength: 64 },
    state: { type: 'string', required: true, maxLength: 32 },
  },
  indexes: [{ name: 'dlv_erased_hash_uq', columns: ['address_hash'], type: 'unique' }],
};
