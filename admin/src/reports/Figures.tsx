import { Grid, Typography } from '@strapi/design-system';
import { useIntl } from 'react-intl';
import type { ReportParams } from '../utils/api';
import { useT, type TranslationKey } from '../utils/translations';

/** What each part of the Reports page reports on: the page's period, in the reader's time zone. */
export interface PeriodProps {
  from: string;
  to: string;
  zone: Pick<ReportParams, 'tz' | 'tzOffset'>;
}

export interface Figure {
  key: TranslationKey;
  /** The figure's name in the report, written to `attribute` for tests and styles to find it by. */
  id: string;
  value: number;
}

/** A report part's figures side by side, each a label over its number, `columns` of the grid's 12 wide (a quarter by default). */
export function FigureGrid({
  figures,
  attribute,
  columns = 3,
}: {
  figures: Figure[];
  attribute: `data-${string}`;
  columns?: number;
}): JSX.Element {
  const t = useT();
  const { formatNumber } = useIntl();
  return (
    <Grid.Root gap={4}>
      {figures.map(({ key, id, value }) => (
        <Grid.Item key={id} col={columns} s={Math.max(columns, 6)} xs={12} direction="column" alignItems="flex-start">
          <Typography variant="sigma" textColor="neutral600" tag="div">
            {t(key)}
          </Typography>
          <Typography variant="beta" tag="div" {...{ [attribute]: id }}>
            {formatNumber(value)}
          </Typography>
        </Grid.Item>
      ))}
    </Grid.Root>
  );
}
