/**
 * The server half of the deliverability plugin: content types (contacts, delivery logs and
 * events, the address ledger), public webhook routes, and the services that apply what providers
 * report. The rules themselves live in `core/`, which knows nothing of Strapi.
 */
import bootstrap from './bootstrap';
import config from './config';
import contentTypes from './content-types';
import controllers from './controllers';
import destroy from './destroy';
import register from './register';
import routes from './routes';
import services from './services';

export default {
  register,
  bootstrap,
  destroy,
  config,
  contentTypes,
  controllers,
  routes,
  services,
};
