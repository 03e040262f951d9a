import attempts from './attempts';
import audit from './audit';
import bulkRecipients from './bulk-recipients';
import bulkSends from './bulk-sends';
import bulkWorker from './bulk-worker';
import config from './config';
import contactIndex from './contact-index';
import contacts from './contacts';
import intake from './intake';
import leases from './leases';
import ledger from './ledger';
import logs from './logs';
import messages from './messages';
import outboundEvents from './outbound-events';
import providerHealth from './provider-health';
import reactivation from './reactivation';
import reports from './reports';
import retrier from './retrier';
import suppressions from './suppressions';
import transports from './transports';
import webhooks from './webhooks';

export default {
  attempts,
  audit,
  'bulk-recipients': bulkRecipients,
  'bulk-sends': bulkSends,
  'bulk-worker': bulkWorker,
  config,
  contacts,
  'contact-index': contactIndex,
  intake,
  leases,
  ledger,
  logs,
  messages,
  'outbound-events': outboundEvents,
  'provider-health': providerHealth,
  reactivation,
  reports,
  retrier,
  suppressions,
  transports,
  webhooks,
};
