import addressChanges from './address-changes';
import attempts from './attempts';
import audit from './audit';
import bulkRecipients from './bulk-recipients';
import bulkSends from './bulk-sends';
import bulkWorker from './bulk-worker';
import config from './config';
import contactIndex from './contact-index';
import consent from './consent';
import contacts from './contacts';
import erasure from './erasure';
import fallbacks from './fallbacks';
import inboundSms from './inbound-sms';
import intake from './intake';
import leases from './leases';
import ledger from './ledger';
import logs from './logs';
import messages from './messages';
import outboundEvents from './outbound-events';
import providerHealth from './provider-health';
import providerListings from './provider-listings';
import quietHours from './quiet-hours';
import rateLimits from './rate-limits';
import reactivation from './reactivation';
import reclassification from './reclassification';
import reportRollup from './report-rollup';
import reports from './reports';
import retrier from './retrier';
import senderBlocks from './sender-blocks';
import suppressions from './suppressions';
import suppressionCsv from './suppression-csv';
import suppressionPush from './suppression-push';
import suppressionSync from './suppression-sync';
import transports from './transports';
import verification from './verification';
import unsubscribe from './unsubscribe';
import webhooks from './webhooks';
import worklist from './worklist';
import worklistDigest from './worklist-digest';
import mxHosts from './mx-hosts';

export default {
  'address-changes': addressChanges,
  attempts,
  audit,
  'bulk-recipients': bulkRecipients,
  'bulk-sends': bulkSends,
  'bulk-worker': bulkWorker,
  config,
  consent,
  contacts,
  'contact-index': contactIndex,
  erasure,
  fallbacks,
  'inbound-sms': inboundSms,
  intake,
  leases,
  ledger,
  logs,
  messages,
  'outbound-events': outboundEvents,
  'provider-health': providerHealth,
  'provider-listings': providerListings,
  'quiet-hours': quietHours,
  reactivation,
  reclassification,
  'report-rollup': reportRollup,
  'rate-limits': rateLimits,
  reports,
  retrier,
  'sender-blocks': senderBlocks,
  suppressions,
  'suppression-csv': suppressionCsv,
  'suppression-push': suppressionPush,
  'suppression-sync': suppressionSync,
  transports,
  verification,
  unsubscribe,
  webhooks,
  worklist,
  'worklist-digest': worklistDigest,
  'mx-hosts': mxHosts,
};
