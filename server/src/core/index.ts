/** The plugin's rules, free of Strapi: normalized events, states and their precedence, policies, backoff, decisions. */
export * from './events';
export * from './addresses';
export * from './statuses';
export * from './policy';
export * from './backoff';
export * from './decide';
export * from './replay';
export * from './message-input';
export * from './send-failure';
