import * as React from 'react';
import { useFetchClient } from '@strapi/strapi/admin';
import { isTracked } from '../badges/tracked';

/**
 * The contact types a bulk send can go to: the content types the server marks as tracked
 * (`pluginOptions.deliverability`, see badges/tracked.ts), read from the Content Manager's own
 * list, with the fields a filter can test (text, email, enumeration and number fields).
 */
export interface ContactTypeOption {
  uid: string;
  name: string;
  fields: string[];
}

interface ContentManagerType {
  uid: string;
  info?: { displayName?: string };
  pluginOptions?: unknown;
  attributes?: Record<string, { type?: string; private?: boolean }>;
}

const FILTERABLE = new Set(['string', 'text', 'email', 'enumeration', 'integer', 'biginteger', 'uid']);

export function contactTypeOptions(types: readonly ContentManagerType[]): ContactTypeOption[] {
  return types
    .filter((type) => isTracked({ options: type.pluginOptions }))
    .map((type) => ({
      uid: type.uid,
      name: type.info?.displayName ?? type.uid,
      fields: Object.entries(type.attributes ?? {})
        .filter(([name, attribute]) => FILTERABLE.has(attribute.type ?? '') && name !== 'documentId' && !attribute.private)
        .map(([name]) => name),
    }));
}

/** The tracked contact types, once loaded (an empty list while loading or when the read fails). */
export function useContactTypes(): { types: ContactTypeOption[]; loaded: boolean } {
  const { get } = useFetchClient();
  const [state, setState] = React.useState<{ types: ContactTypeOption[]; loaded: boolean }>({ types: [], loaded: false });
  React.useEffect(() => {
    let live = true;
    get<{ data: ContentManagerType[] }>('/content-manager/content-types')
      .then((response) => live && setState({ types: contactTypeOptions(response.data.data), loaded: true }))
      .catch(() => live && setState({ types: [], loaded: true }));
    return () => {
      live = false;
    };
  }, [get]);
  return state;
}
