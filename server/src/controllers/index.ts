import webhooks from './webhooks';

export default { webhooks };
