/** The plugin's content-type UIDs, in one place. */
export const PLUGIN_ID = 'deliverability';

export const UID = {
  contact: 'plugin::deliverability.contact',
  log: 'plugin::deliverability.delivery-log',
  event: 'plugin::deliverability.delivery-event',
  address: 'plugin::deliverability.address',
  receipt: 'plugin::deliverability.webhook-receipt',
  audit: 'plugin::deliverability.audit-entry',
  contactAddress: 'plugin::deliverability.contact-address',
  bulkSend: 'plugin::deliverability.bulk-send',
  suppressionSync: 'plugin::deliverability.suppression-sync',
  providerListing: 'plugin::deliverability.provider-listing',
  erasedAddress: 'plugin::deliverability.erased-address',
  consent: 'plugin::deliverability.consent-entry',
  verification: 'plugin::deliverability.address-verification',
  worklistDigest: 'plugin::deliverability.worklist-digest',
  reportCount: 'plugin::deliverability.report-count',
  reportDelta: 'plugin::deliverability.report-delta',
  reportHour: 'plugin::deliverability.report-hour',
  rateWindow: 'plugin::deliverability.rate-window',
  mxHost: 'plugin::deliverability.mx-host',
} as const;
