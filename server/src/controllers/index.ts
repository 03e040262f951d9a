import addresses from './addresses';
import messages from './messages';
import webhooks from './webhooks';

export default { addresses, messages, webhooks };
