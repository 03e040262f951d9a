import config from './config';
import contacts from './contacts';
import intake from './intake';
import ledger from './ledger';
import messages from './messages';
import retrier from './retrier';
import transports from './transports';
import webhooks from './webhooks';

export default { config, contacts, intake, ledger, messages, retrier, transports, webhooks };
