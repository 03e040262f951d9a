import { useIntl, type MessageDescriptor } from 'react-intl';
import en from '../translations/en.json';
import fr from '../translations/fr.json';
import { PLUGIN_ID } from '../pluginId';

/**
 * Every string the plugin shows lives in translations/en.json (and its French twin, fr.json). Keys
 * are typed from en.json, so a string missing from it fails the type check instead of showing a raw
 * id to an editor; the English text doubles as the default message.
 */
export type TranslationKey = keyof typeof en;
export type TranslationValues = Record<string, string | number>;

export const getTranslation = (key: TranslationKey): string => `${PLUGIN_ID}.${key}`;

/** A message descriptor, for Strapi APIs that take one (menu links, column labels). */
export const message = (key: TranslationKey): MessageDescriptor & { id: string; defaultMessage: string } => ({
  id: getTranslation(key),
  defaultMessage: en[key],
});

export type Translate = (key: TranslationKey, values?: TranslationValues) => string;

export function useT(): Translate {
  const { formatMessage } = useIntl();
  return (key, values) => formatMessage(message(key), values);
}

/** Prefixes a translation file's keys with the plugin id, as the admin expects. */
export function prefixTranslations(data: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [`${PLUGIN_ID}.${key}`, value]));
}

/** The translation files bundled for `localized`; registerTrads loads the same files for react-intl. */
const FILES: Record<string, Partial<Record<TranslationKey, string>>> = { en, fr };

/** Where the admin keeps the editor's language (Strapi's own key). */
const LANGUAGE_KEY = 'strapi-admin-language';

/**
 * A key's text in the admin's current language, for the few places that run outside React and
 * its intl context (the list filters' options, which the Content Manager shows as given).
 */
export function localized(key: TranslationKey): string {
  const locale = typeof localStorage === 'undefined' ? null : localStorage.getItem(LANGUAGE_KEY);
  return (locale && FILES[locale]?.[key]) || en[key];
}
