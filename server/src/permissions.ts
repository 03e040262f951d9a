import type { Core } from '@strapi/strapi';
import { PLUGIN_ID } from './utils/uids';

/**
 * The plugin's admin RBAC actions. Each admin route checks exactly one of them, and the admin
 * panel hides what a role may not do by asking for the same ids, so the list lives here once.
 * Reading delivery logs also covers the suppression list and unmatched events: all three show
 * who was sent what, which is the sensitive part.
 */
export const PERMISSION_UIDS = {
  logsRead: 'logs.read',
  reportsRead: 'reports.read',
  messagesSend: 'messages.send',
  messagesRetry: 'messages.retry',
  addressesReactivate: 'addresses.reactivate',
  eventsReclassify: 'events.reclassify',
  settingsRead: 'settings.read',
  bulkSend: 'bulk.send',
  suppressionsSync: 'suppressions.sync',
  contactsErase: 'contacts.erase',
} as const;

export type PermissionKey = keyof typeof PERMISSION_UIDS;

/** The full action id, as Strapi names it (`plugin::deliverability.logs.read`). */
export function actionId(key: PermissionKey): string {
  return `plugin::${PLUGIN_ID}.${PERMISSION_UIDS[key]}`;
}

interface ActionDefinition {
  section: 'plugins';
  displayName: string;
  uid: string;
  pluginName: string;
  subCategory: string;
}

export const ACTIONS: ActionDefinition[] = [
  { key: 'logsRead', displayName: 'Read delivery logs, suppressions and unmatched events', subCategory: 'Logs' },
  { key: 'reportsRead', displayName: 'Read delivery reports', subCategory: 'Reports' },
  { key: 'messagesSend', displayName: 'Send messages', subCategory: 'Messages' },
  { key: 'messagesRetry', displayName: 'Retry a deferred or failed message now', subCategory: 'Messages' },
  { key: 'addressesReactivate', displayName: 'Reactivate a suppressed address', subCategory: 'Addresses' },
  { key: 'eventsReclassify', displayName: 'Re-classify a misread provider event', subCategory: 'Events' },
  { key: 'settingsRead', displayName: 'Read provider settings and webhook URLs', subCategory: 'Settings' },
  { key: 'bulkSend', displayName: 'Compose, pause, resume and cancel bulk sends', subCategory: 'Messages' },
  { key: 'contactsErase', displayName: "Erase a student's delivery data (privacy request)", subCategory: 'Addresses' },
  { key: 'suppressionsSync', displayName: "Pull the providers' suppression lists now, and import lists from other systems", subCategory: 'Addresses' },
].map(({ key, displayName, subCategory }) => ({
  section: 'plugins',
  displayName,
  uid: PERMISSION_UIDS[key as PermissionKey],
  pluginName: PLUGIN_ID,
  subCategory,
}));

interface ActionProvider {
  registerMany(actions: ActionDefinition[]): Promise<void> | void;
}

/** Registers the actions with the admin's RBAC; the Roles page then lists them under Plugins → Deliverability. */
export async function registerPermissions(strapi: Core.Strapi): Promise<void> {
  const provider = (strapi.admin?.services.permission as { actionProvider?: ActionProvider } | undefined)?.actionProvider;
  // Without the admin (a headless, content-API-only boot) there is nothing to register with.
  if (!provider) return;
  await provider.registerMany(ACTIONS);
}

/** The policies an admin route uses: an authenticated admin holding this one action. */
export function requires(key: PermissionKey): (string | { name: string; config: { actions: string[] } })[] {
  return ['admin::isAuthenticatedAdmin', { name: 'admin::hasPermissions', config: { actions: [actionId(key)] } }];
}
