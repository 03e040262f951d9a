import { Box, Flex, Table, Tbody, Td, Th, Thead, Tr, Typography } from '@strapi/design-system';
import { useIntl } from 'react-intl';
import { useApi, type MailboxProviderReport, type MailboxProviderRow, type StatusCounts } from '../utils/api';
import { EmptyState, ErrorState, LoadingState } from '../utils/States';
import { MESSAGE_STATUSES } from '../utils/status';
import { useT, type TranslationKey } from '../utils/translations';

const PROVIDER_KEYS: Record<MailboxProviderRow['provider'], TranslationKey> = {
  campus: 'mailbox.provider.campus',
  gmail: 'mailbox.provider.gmail',
  microsoft: 'mailbox.provider.microsoft',
  yahoo: 'mailbox.provider.yahoo',
  other: 'mailbox.provider.otherDomains',
};

export interface MailboxProviderTableRow {
  provider: MailboxProviderRow['provider'];
  domain: string | null;
  /** `domain` is an MX host (the custom domains it receives for), not a domain. */
  viaMx: boolean;
  counts: StatusCounts;
  /** The server's rate, where the report computes one (the general reports); the column shows only then. */
  bounceRate?: number | null;
}

const COLUMNS: { header: TranslationKey; value: (counts: StatusCounts) => number }[] = [
  { header: 'reports.table.total', value: (c) => MESSAGE_STATUSES.reduce((n, s) => n + c[s], 0) },
  { header: 'reports.total.delivered', value: (c) => c.delivered },
  { header: 'reports.total.deferred', value: (c) => c.deferred },
  { header: 'reports.total.bounced', value: (c) => c.bounced },
  { header: 'reports.total.dropped', value: (c) => c.dropped },
  { header: 'reports.total.complained', value: (c) => c.complained },
];

/**
 * Email by the recipients' mailbox provider (the campus, Gmail, Microsoft, Yahoo, then each other
 * domain), so that a block by one provider stands out as that provider's row. Shared by the
 * general reports and a bulk send's page.
 */
export function MailboxProvidersTable({ rows }: { rows: MailboxProviderTableRow[] }): JSX.Element {
  const t = useT();
  const { formatNumber } = useIntl();
  const withRate = rows.some((row) => row.bounceRate !== undefined);
  const label = (row: MailboxProviderTableRow): string => {
    if (row.provider !== 'other' || !row.domain) return t(PROVIDER_KEYS[row.provider]);
    return row.viaMx ? t('mailbox.mxHost', { host: row.domain }) : row.domain;
  };
  return (
    <Table colCount={COLUMNS.length + (withRate ? 2 : 1)} rowCount={rows.length + 1}>
      <Thead>
        <Tr>
          <Th>
            <Typography variant="sigma">{t('mailbox.col.provider')}</Typography>
          </Th>
          {COLUMNS.map((column) => (
            <Th key={column.header}>
              <Typography variant="sigma">{t(column.header)}</Typography>
            </Th>
          ))}
          {withRate ? (
            <Th>
              <Typography variant="sigma">{t('mailbox.col.bounceRate')}</Typography>
            </Th>
          ) : null}
        </Tr>
      </Thead>
      <Tbody>
        {rows.map((row) => (
          <Tr key={`${row.provider}:${row.domain ?? ''}`} data-mailbox-provider={row.domain ?? row.provider} data-mailbox-via-mx={row.viaMx || undefined}>
            <Td>
              <Typography fontWeight="semiBold">{label(row)}</Typography>
            </Td>
            {COLUMNS.map((column) => (
              <Td key={column.header}>
                <Typography>{formatNumber(column.value(row.counts))}</Typography>
              </Td>
            ))}
            {withRate ? (
              <Td>
                <Typography>
                  {row.bounceRate === null || row.bounceRate === undefined
                    ? '–'
                    : formatNumber(row.bounceRate, { style: 'percent', maximumFractionDigits: 1 })}
                </Typography>
              </Td>
            ) : null}
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}

/**
 * The general reports' breakdown by mailbox provider over the page's period (email only), with
 * the campus's own domains named so the reader knows what "Campus" covers.
 */
export function MailboxProvidersSection({ path }: { path: string }): JSX.Element | null {
  const t = useT();
  const report = useApi<MailboxProviderReport>(path);
  const data = report.data;
  return (
    <Box background="neutral0" hasRadius shadow="tableShadow" padding={6} data-mailbox-report>
      <Flex direction="column" alignItems="stretch" gap={4}>
        <Typography variant="delta" tag="h2">
          {t('mailbox.title')}
        </Typography>
        <Typography variant="pi" textColor="neutral600">
          {data && data.campusDomains.length > 0
            ? t('mailbox.campusDomains', { domains: data.campusDomains.join(', ') })
            : t('mailbox.noCampusDomains')}
        </Typography>
        {report.error && !data ? (
          <ErrorState error={report.error} onRetry={report.refetch} />
        ) : !data ? (
          <LoadingState />
        ) : data.rows.length === 0 ? (
          <EmptyState content={t('mailbox.empty')} />
        ) : (
          <MailboxProvidersTable
            rows={data.rows.map((row) => ({
              provider: row.provider,
              domain: row.domain,
              viaMx: row.viaMx,
              counts: row.totals,
              bounceRate: row.totals.bounceRate,
            }))}
          />
        )}
      </Flex>
    </Box>
  );
}
