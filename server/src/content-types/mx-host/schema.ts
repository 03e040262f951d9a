export const MX_OUTCOMES = ['found', 'none', 'failed'] as const;

/**
 * The MX host of a custom email domain, as last looked up (services/mx-hosts.ts), shared by every
 * instance so that reports read it without waiting on DNS. `found`: `mxHost` is its primary mail
 * exchanger; `none`: the domain has no MX record or does not exist; `failed`: the look-up timed out
 * or was refused, tried again sooner. Looked up again after `expiresAt`.
 */
export default {
  kind: 'collectionType',
  collectionName: 'deliverability_mx_hosts',
  info: {
    singularName: 'mx-host',
    pluralName: 'mx-hosts',
    displayName: 'MX host',
    description: 'The cached MX host of an email domain, for the mailbox-provider reports.',
  },
  options: { draftAndPublish: false },
  pluginOptions: {
    'content-manager': { visible: false },
    'content-type-builder': { visible: false },
  },
  attributes: {
    domain: { type: 'string', required: true, maxLength: 255 },
    mxHost: { type: 'string', maxLength: 255 },
    outcome: { type: 'enumeration', enum: [...MX_OUTCOMES], required: true },
    checkedAt: { type: 'datetime', required: true },
    expiresAt: { type: 'datetime', required: true },
  },
  indexes: [{ name: 'dlv_mx_hosts_domain_uq', columns: ['domain'], type: 'unique' }],
};
