import attempts from './attempts';
import audit from './audit';
import config from './config';
import contactIndex from './contact-index';
import consent from './consent';
import contacts from './contacts';
import inboundSms from './inbound-sms';
import intake from './intake';
import leases from './leases';
import ledger from './ledger';
import logs from './logs';
import messages from './messages';
import outboundEvents from './outbound-events';
import providerHealth from './provider-health';
import reactivation from './reactivation';
import reclassification from './reclassification';
import reports from './reports';
import retrier from './retrier';
import senderBlocks from './sender-blocks';
import suppressions from './suppressions';
import transports from './transports';
import webhooks from './webhooks';

export default {
  attempts,
  audit,
  config,
  consent,
  contacts,
  'contact-index': contactIndex,
  'inbound-sms': inboundSms,
  intake,
  leases,
  ledger,
  logs,
  messages,
  'outbound-events': outboundEvents,
  'provider-health': providerHealth,
  reactivation,
  reclassification,
  reports,
  retrier,
  'sender-blocks': senderBlocks,
  suppressions,
  transports,
  webhooks,
};
