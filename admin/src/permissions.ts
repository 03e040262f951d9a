import { useAuth } from '@strapi/strapi/admin';
import { PLUGIN_ID } from './pluginId';

/**
 * The plugin's RBAC actions, as the server registers them (server/src/permissions.ts). The admin
 * hides what a role may not do; the server checks again on every route.
 */
export const ACTIONS = {
  readLogs: `plugin::${PLUGIN_ID}.logs.read`,
  readReports: `plugin::${PLUGIN_ID}.reports.read`,
  send: `plugin::${PLUGIN_ID}.messages.send`,
  retry: `plugin::${PLUGIN_ID}.messages.retry`,
  reactivate: `plugin::${PLUGIN_ID}.addresses.reactivate`,
  reclassify: `plugin::${PLUGIN_ID}.events.reclassify`,
  readSettings: `plugin::${PLUGIN_ID}.settings.read`,
  syncSuppressions: `plugin::${PLUGIN_ID}.suppressions.sync`,
  bulkSend: `plugin::${PLUGIN_ID}.bulk.send`,
} as const;

export type ActionKey = keyof typeof ACTIONS;

/** In the shape Strapi's menu links and `Page.Protect` take. */
export const permissionsFor = (...keys: ActionKey[]): { action: string; subject: null }[] =>
  keys.map((key) => ({ action: ACTIONS[key], subject: null }));

/** Anything on the plugin's page: the menu link shows when the user holds any of these. */
export const PAGE_PERMISSIONS = permissionsFor('readReports', 'readLogs', 'readSettings');

export type Can = Record<ActionKey, boolean>;

/**
 * What the signed-in admin may do. `useRBAC` names each action by its last segment, and ours
 * share them (`logs.read`, `reports.read`), so this reads the user's permissions directly. The
 * plugin's actions have no subjects or conditions, so holding one is the whole check.
 */
export function useCan(): Can {
  const permissions = useAuth('Deliverability', (state) => state.permissions);
  const held = new Set(permissions.map((p) => p.action));
  return Object.fromEntries(Object.entries(ACTIONS).map(([key, action]) => [key, held.has(action)])) as Can;
}
