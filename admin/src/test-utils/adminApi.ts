import path from 'node:path';
import type * as React from 'react';

/**
 * Strapi's admin keeps its data layer (RTK Query's `adminApi`) in a Redux store that the whole
 * admin sits in. Tests render components without the admin, so they provide that store with
 * RTK Query's own `ApiProvider`, from the copy of the toolkit that @strapi/admin ships (the plugin
 * does not depend on it, hence the loose types).
 */

interface RtkQueryReact {
  ApiProvider: React.ComponentType<{ api: unknown; children?: React.ReactNode }>;
  createApi: (options: { reducerPath: string; baseQuery: BaseQuery; endpoints: () => Record<string, never> }) => unknown;
}

export type BaseQuery = (args: { url: string; method?: string; data?: unknown }) => Promise<{ data: unknown } | { error: unknown }>;

const strapiAdmin = path.dirname(require.resolve('@strapi/admin/package.json'));
// eslint-disable-next-line @typescript-eslint/no-require-imports -- resolved from @strapi/admin's own dependencies
export const rtkQuery = require(require.resolve('@reduxjs/toolkit/query/react', { paths: [strapiAdmin] })) as RtkQueryReact;

let current: unknown = null;

/**
 * An `adminApi` whose requests go to `baseQuery` rather than the network, for a test that mocks
 * `@strapi/strapi/admin` (the real module does not load in Jest). `renderInAdmin` provides its store.
 */
export function testAdminApi(baseQuery: BaseQuery): unknown {
  current = rtkQuery.createApi({ reducerPath: 'adminApi', baseQuery, endpoints: () => ({}) });
  return current;
}

/** The test's `adminApi`, if it made one. */
export const currentTestAdminApi = (): unknown => current;
