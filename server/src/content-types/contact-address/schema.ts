import { CHANNELS } from '../../core/events';

/**
 * The contact-address index: which contact (of which configured type) uses which normalized
 * address. Sites store addresses as typed (`Jane@College.ac.uk`, `+44 7700 900555`), so the
 * host's own column cannot be compared with a normalized address; this table can. Derived data:
 * the plugin keeps it in step with every Document Service write and rebuilds what is missing at
 * boot, and the host's schema is never changed.
 */
export default {
  kind: 'collectionType',
  collectionName: 'deliverability_contact_addresses',
  info: {
    singularName: 'contact-address',
    pluralName: 'contact-addresses',
    displayName: 'Contact address',
    description: 'Which contact uses which normalized email address or mobile number (an index the plugin maintains).',
  },
  options: { draftAndPublish: false },
  pluginOptions: {
    'content-manager': { visible: false },
    'content-type-builder': { visible: false },
  },
  attributes: {
    contactType: { type: 'string', required: true, maxLength: 255 },
    contactDocumentId: { type: 'string', required: true, maxLength: 255 },
    channel: { type: 'enumeration', enum: [...CHANNELS], required: true },
    address: { type: 'string', required: true, maxLength: 320 },
  },
  indexes: [
    // Every webhook's mirror update and every send by address: the contacts that use an address.
    { name: 'dlv_contact_addresses_address_idx', columns: ['channel', 'address'] },
    // Re-indexing one contact after a write, and the boot-time back-fill.
    { name: 'dlv_contact_addresses_contact_idx', columns: ['contact_type', 'contact_document_id'] },
  ],
};
