import { ChartPie } from '@strapi/icons';
import type { StrapiApp } from '@strapi/strapi/admin';
import type { ContentManagerPlugin } from '@strapi/content-manager/strapi-admin';
import { addLabelBadges } from './badges/editView';
import { injectBadgeColumns, nameStatusFilters } from './badges/listView';
import { FullLogsAction } from './logs/FullLogsAction';
import { DeliverabilityPanel } from './logs/SidePanel';
import { PAGE_PERMISSIONS } from './permissions';
import { PLUGIN_ID } from './pluginId';
import { message, prefixTranslations } from './utils/translations';

/**
 * The admin half of the plugin: the failure badges and Full Logs in the Content Manager, and the
 * plugin's own page (reports, suppressions, unmatched events, providers, bulk sends).
 */
export default {
  register(app: StrapiApp): void {
    app.registerPlugin({ id: PLUGIN_ID, name: PLUGIN_ID });
    app.addMenuLink({
      to: `plugins/${PLUGIN_ID}`,
      icon: ChartPie,
      intlLabel: message('plugin.name'),
      permissions: PAGE_PERMISSIONS,
      Component: () => import('./pages/App'),
    });
  },

  /** The Content Manager creates its hooks during its own register, so ours attach here. */
  bootstrap(app: StrapiApp): void {
    app.registerHook('Admin/CM/pages/ListView/inject-column-in-table', injectBadgeColumns);
    app.registerHook('Admin/CM/pages/ListView/inject-in-filters', nameStatusFilters);
    app.registerHook('Admin/CM/pages/EditView/mutate-edit-view-layout', addLabelBadges);
    const contentManager = app.getPlugin('content-manager').apis as ContentManagerPlugin['config']['apis'];
    contentManager.addEditViewSidePanel([DeliverabilityPanel]);
    contentManager.addDocumentAction((actions) => [...actions, FullLogsAction]);
  },

  async registerTrads({ locales }: { locales: string[] }): Promise<{ data: Record<string, string>; locale: string }[]> {
    return Promise.all(
      locales.map(async (locale) => {
        try {
          const { default: data } = (await import(`./translations/${locale}.json`)) as { default: Record<string, string> };
          return { data: prefixTranslations(data), locale };
        } catch {
          // No file for this locale: the English text is every message's default.
          return { data: {}, locale };
        }
      }),
    );
  },
};
