/** Who did what by hand, and why: reactivations, manual retries. Append-only. */
export default {
  kind: 'collectionType',
  collectionName: 'deliverability_audit_entries',
  info: {
    singularName: 'audit-entry',
    pluralName: 'audit-entries',
    displayName: 'Audit entry',
    description: 'A manual action on an address or message: who, when and why.',
  },
  options: { draftAndPublish: false },
  pluginOptions: {
    'content-manager': { visible: false },
    'content-type-builder': { visible: false },
  },
  attributes: {
    action: { type: 'string', required: true, maxLength: 64 },
    channel: { type: 'string', maxLength: 16 },
    address: { type: 'string', maxLength: 320 },
    logDocumentId: { type: 'string', maxLength: 255 },
    actorId: { type: 'string', maxLength: 64 },
    actorName: { type: 'string', maxLength: 255 },
    reason: { type: 'text' },
    before: { type: 'json' },
    after: { type: 'json' },
    // The student an entry concerns, where it concerns one (an address change).
    contactType: { type: 'string', maxLength: 255 },
    contactDocumentId: { type: 'string', maxLength: 255 },
  },
  indexes: [
    { name: 'dlv_audit_address_idx', columns: ['channel', 'address', 'created_at'] },
    // Full Logs: the manual actions on the messages of a page.
    { name: 'dlv_audit_log_idx', columns: ['log_document_id', 'created_at'] },
    // Full Logs: a student's address changes.
    { name: 'dlv_audit_contact_idx', columns: ['contact_document_id', 'created_at'] },
  ],
};
