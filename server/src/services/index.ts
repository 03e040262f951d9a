import config from './config';
import contacts from './contacts';
import intake from './intake';
import ledger from './ledger';
import webhooks from './webhooks';

export default { config, contacts, intake, ledger, webhooks };
