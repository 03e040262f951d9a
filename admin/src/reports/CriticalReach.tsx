import { Box, Flex, Typography } from '@strapi/design-system';
import { useIntl } from 'react-intl';
import { query, useApi, type ReachParams, type ReachReport } from '../utils/api';
import { ErrorState } from '../utils/States';
import { useT, type TranslationKey } from '../utils/translations';
import { FigureGrid, type PeriodProps } from './Figures';

const FIGURES: { key: TranslationKey; field: keyof Pick<ReachReport, 'reachedFirst' | 'reachedByFallback' | 'notReached' | 'awaiting'> }[] = [
  { key: 'reports.reach.first', field: 'reachedFirst' },
  { key: 'reports.reach.fallback', field: 'reachedByFallback' },
  { key: 'reports.reach.notReached', field: 'notReached' },
  { key: 'reports.reach.awaiting', field: 'awaiting' },
];

/** How many critical messages of the period reached the student on either channel (GET /reports/reach). */
export function CriticalReach({ from, to, zone }: PeriodProps): JSX.Element | null {
  const t = useT();
  const { formatNumber } = useIntl();
  const reach = useApi<ReachReport>(`/reports/reach${query<ReachParams>({ from, to, ...zone })}`);
  if (reach.error && !reach.data) return <ErrorState error={reach.error} onRetry={reach.refetch} />;
  const data = reach.data;
  if (!data) return null;
  return (
    <Box background="neutral0" hasRadius shadow="tableShadow" padding={6} data-reach>
      <Flex direction="column" alignItems="stretch" gap={4}>
        <Typography variant="delta" tag="h2">
          {t('reports.reach.title', { total: formatNumber(data.total) })}
        </Typography>
        <FigureGrid figures={FIGURES.map(({ key, field }) => ({ key, id: field, value: data[field] }))} attribute="data-reach-figure" />
      </Flex>
    </Box>
  );
}
