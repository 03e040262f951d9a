import * as React from 'react';
import { isFetchError, useFetchClient } from '@strapi/strapi/admin';
import { PLUGIN_ID } from '../pluginId';

/**
 * The admin API's requests and answers are the server's own types (server/src/contract.ts): a
 * field renamed on one side fails the type check on the other.
 */
export type * from '../../../server/src/contract';

/** The admin API's base path. */
export const apiPath = (path: string): string => `/${PLUGIN_ID}${path}`;

/** A query string from the values that are set. */
export function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== null && value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** The server's own words for a failed request, when it sent some. */
export function errorMessage(error: unknown): string | null {
  if (isFetchError(error)) return error.response?.data?.error?.message ?? error.message ?? null;
  return error instanceof Error ? error.message : null;
}

export interface ApiState<T> {
  data: T | undefined;
  error: unknown;
  isLoading: boolean;
  refetch: () => void;
}

/**
 * GETs an admin-API path and keeps its answer. A new path (a filter or page change) replaces an
 * answer still in flight, so a slow old page can never overwrite a newer one. `null` skips.
 */
export function useApi<T>(path: string | null): ApiState<T> {
  const { get } = useFetchClient();
  const [state, setState] = React.useState<{ data: T | undefined; error: unknown; isLoading: boolean }>({
    data: undefined,
    error: undefined,
    isLoading: path !== null,
  });
  const [version, setVersion] = React.useState(0);

  React.useEffect(() => {
    if (path === null) return undefined;
    let current = true;
    setState((previous) => ({ ...previous, isLoading: true, error: undefined }));
    get<{ data: T }>(apiPath(path))
      .then((response) => {
        if (current) setState({ data: response.data.data, error: undefined, isLoading: false });
      })
      .catch((error: unknown) => {
        if (current) setState((previous) => ({ data: previous.data, error, isLoading: false }));
      });
    return () => {
      current = false;
    };
  }, [get, path, version]);

  const refetch = React.useCallback(() => setVersion((v) => v + 1), []);
  return { ...state, refetch };
}
