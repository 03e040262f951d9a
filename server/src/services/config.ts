import type { Core } from '@strapi/strapi';
import { validatePluginConfig } from '../config/validate';
import type { PluginConfig } from '../config/types';
import { PLUGIN_ID } from '../utils/uids';

/** The validated plugin config. Strapi validated it at boot; this gives it its types and defaults. */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  let cached: PluginConfig | null = null;
  return {
    get(): PluginConfig {
      cached ??= validatePluginConfig(strapi.config.get(`plugin::${PLUGIN_ID}`));
      return cached;
    },
    /** For tests and the admin's settings: forget the cached copy after the config changed. */
    reload(): PluginConfig {
      cached = null;
      return this.get();
    },
  };
};
