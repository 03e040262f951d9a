import address from './address';
import addressVerification from './address-verification';
import auditEntry from './audit-entry';
import bulkSend from './bulk-send';
import contact from './contact';
import consentEntry from './consent-entry';
import contactAddress from './contact-address';
import deliveryEvent from './delivery-event';
import deliveryLog from './delivery-log';
import erasedAddress from './erased-address';
import providerListing from './provider-listing';
import rateWindow from './rate-window';
import reportCount from './report-count';
import reportDelta from './report-delta';
import reportHour from './report-hour';
import suppressionSync from './suppression-sync';
import webhookReceipt from './webhook-receipt';
import worklistDigest from './worklist-digest';
import mxHost from './mx-host';

export default {
  contact,
  'delivery-log': deliveryLog,
  'delivery-event': deliveryEvent,
  address,
  'webhook-receipt': webhookReceipt,
  'audit-entry': auditEntry,
  'contact-address': contactAddress,
  'bulk-send': bulkSend,
  'suppression-sync': suppressionSync,
  'provider-listing': providerListing,
  'erased-address': erasedAddress,
  'consent-entry': consentEntry,
  'address-verification': addressVerification,
  'worklist-digest': worklistDigest,
  'report-count': reportCount,
  'report-delta': reportDelta,
  'report-hour': reportHour,
  'rate-window': rateWindow,
  'mx-host': mxHost,
};
