import { Flex, Typography } from '@strapi/design-system';
import { useTable } from '@strapi/strapi/admin';
import type * as React from 'react';
import { addressStateKey, type AddressState, type Channel, ADDRESS_STATES } from '../utils/status';
import { localized, message, useT, type TranslationKey } from '../utils/translations';
import { AddressStatusBadge } from './AddressStatusBadge';
import { MIRROR, tracking } from './tracked';
import { useAddressLookup } from './useAddressLookup';

type Row = Record<string, unknown>;

interface HeaderLike {
  name: string;
  cellFormatter?: (row: Row, header: never, context: never) => React.ReactNode;
}

const asState = (value: unknown): AddressState | null =>
  typeof value === 'string' && (ADDRESS_STATES as readonly string[]).includes(value) ? (value as AddressState) : null;

/** The page's addresses whose rows carry no status, for one shared look-up. */
function useUnmirrored(channel: Channel, addressField: string, mirrored: boolean): { channel: Channel; address: string }[] {
  const rows = useTable('DeliverabilityAddressCell', (state) => state.rows) as unknown as Row[];
  if (mirrored) return [];
  return rows
    .filter((row) => typeof row[addressField] === 'string' && row[addressField] !== '')
    .map((row) => ({ channel, address: row[addressField] as string }));
}

export interface AddressCellProps {
  row: Row;
  channel: Channel;
  /** The attribute holding the address on this content type. */
  addressField: string;
  /** Whether the row carries the status mirror; otherwise the status is looked up. */
  mirrored: boolean;
}

/** An email or mobile cell: the address as the Content Manager shows it, and its badge when it has one. */
export function AddressCell({ row, channel, addressField, mirrored }: AddressCellProps): JSX.Element {
  const mirror = MIRROR[channel];
  const address = typeof row[addressField] === 'string' ? (row[addressField] as string) : '';
  const unmirrored = useUnmirrored(channel, addressField, mirrored);
  const looked = useAddressLookup(unmirrored, !mirrored && address !== '');
  const found = mirrored ? undefined : looked?.find((s) => s.channel === channel && s.address === address);
  const state = mirrored ? asState(row[mirror.status]) : (found?.state ?? null);
  const reason = mirrored ? ((row[mirror.reason] as string | null | undefined) ?? null) : (found?.reason ?? null);
  const since = mirrored ? ((row[mirror.at] as string | null | undefined) ?? null) : (found?.since ?? null);
  if (!address) {
    return <Typography textColor="neutral800">-</Typography>;
  }
  return (
    <Flex gap={2} alignItems="center" wrap="nowrap">
      <Typography textColor="neutral800" ellipsis>
        {address}
      </Typography>
      <AddressStatusBadge channel={channel} state={state} reason={reason} since={since} />
    </Flex>
  );
}

/** An emailStatus or mobileStatus column, when an editor shows one: the state's name, not its code. */
export function StatusCell({ value }: { value: unknown }): JSX.Element {
  const t = useT();
  const state = asState(value);
  return <Typography textColor="neutral800">{state ? t(addressStateKey(state)) : '-'}</Typography>;
}

/**
 * 'Admin/CM/pages/ListView/inject-column-in-table': on a tracked contact type, draws the badge
 * beside each email and mobile. Other content types pass through untouched. Sorting is left as
 * it is: the status columns sort and filter like any enumeration.
 */
export function injectBadgeColumns<H extends HeaderLike, L extends { options?: unknown }>({
  displayedHeaders,
  layout,
}: {
  displayedHeaders: H[];
  layout: L;
}): { displayedHeaders: H[]; layout: L } {
  const tracked = tracking(layout);
  if (!tracked) return { displayedHeaders, layout };
  const headers = displayedHeaders.map((header): H => {
    for (const channel of ['email', 'sms'] as const) {
      const addressField = tracked.fields[channel];
      const mirrored = tracked.mirror.includes(channel);
      if (addressField && header.name === addressField) {
        return { ...header, cellFormatter: (row: Row) => <AddressCell row={row} channel={channel} addressField={addressField} mirrored={mirrored} /> };
      }
      if (mirrored && header.name === MIRROR[channel].status) {
        return { ...header, cellFormatter: (row: Row) => <StatusCell value={row[MIRROR[channel].status]} /> };
      }
    }
    return header;
  });
  return { displayedHeaders: headers, layout };
}

interface FilterLike {
  name: string;
  label?: unknown;
  options?: { label: string; value: string }[];
}

const FILTER_LABELS: Record<string, TranslationKey> = {
  emailStatus: 'filters.emailStatus',
  mobileStatus: 'filters.mobileStatus',
};

/**
 * 'Admin/CM/pages/ListView/inject-in-filters': names the status filters and their choices in
 * words ("Soft-bouncing", not "soft_bouncing"). The Content Manager formats the label but not the
 * options, so those are the text of the admin's current language, looked up directly.
 */
export function nameStatusFilters<F extends FilterLike, L extends { options?: unknown }>({
  displayedFilters,
  layout,
}: {
  displayedFilters: F[];
  layout: L;
}): { displayedFilters: F[]; layout: L } {
  if (!tracking(layout)) return { displayedFilters, layout };
  return {
    layout,
    displayedFilters: displayedFilters.map((filter) => {
      const key = FILTER_LABELS[filter.name];
      if (!key) return filter;
      return {
        ...filter,
        label: message(key),
        options: ADDRESS_STATES.map((state) => ({ value: state, label: localized(addressStateKey(state)) })),
      };
    }),
  };
}
