/** The plugin's id: its admin routes live under /deliverability and its page under /plugins/deliverability. */
export const PLUGIN_ID = 'deliverability';

/** The admin URL of the plugin's page. */
export const PLUGIN_PATH = `/plugins/${PLUGIN_ID}`;

/** The plugin's own contact type: its Full Logs links need no `?type=`. */
export const CONTACT_UID = 'plugin::deliverability.contact';
