import type * as React from 'react';
import { Box, Flex, Table, Tbody, Td, Th, Thead, Tr, Typography } from '@strapi/design-system';
import { Pagination } from '@strapi/strapi/admin';
import type { ApiState, Page } from './api';
import { EmptyState, ErrorState, LoadingState } from './States';
import { useT, type TranslationKey } from './translations';

/**
 * The scaffolding every list page shares: the error, loading and empty states, the table with its
 * headers, and the pagination. A page says only what its columns are and how a row fills them.
 */

export interface ListColumn<R> {
  /** The header's text. */
  header: TranslationKey;
  cell: (row: R) => React.ReactNode;
  /** A column of sentences (a reason): it wraps at words, with at least this width to be read in. */
  prose?: string;
  /** A column of long unbroken values (provider ids, raw provider texts): it wraps anywhere. */
  breakAnywhere?: boolean;
}

export interface ListTableProps<R> {
  list: ApiState<Page<R>>;
  columns: ListColumn<R>[];
  rowKey: (row: R) => string;
  /** Attributes for a row, for tests to find it. */
  rowProps?: (row: R) => Record<string, string>;
  /** What the page says when there is nothing to list. */
  empty: string;
  pageSize: number;
}

export const PAGE_SIZES = ['20', '50', '100'];

// Cells stay on one line (the design system's default) unless their column says otherwise.
function cellStyle<R>(column: ListColumn<R>): React.CSSProperties | undefined {
  if (column.prose) return { whiteSpace: 'normal', minWidth: column.prose };
  if (column.breakAnywhere) return { whiteSpace: 'normal', overflowWrap: 'anywhere', minWidth: '6rem' };
  return undefined;
}

export function ListTable<R>({ list, columns, rowKey, rowProps, empty, pageSize }: ListTableProps<R>): JSX.Element {
  const t = useT();
  if (list.error && !list.data) return <ErrorState error={list.error} onRetry={list.refetch} />;
  if (!list.data) return <LoadingState />;
  const { results, pagination } = list.data;
  if (results.length === 0) return <EmptyState content={empty} />;
  return (
    <Flex direction="column" alignItems="stretch" gap={4} aria-busy={list.isLoading}>
      {/*
        The design system's table keeps every cell on one line, so long ids and provider texts made
        it wider than the page, whose last columns were then cut off. Columns of such values wrap
        (ids anywhere, sentences at words), and anything still too wide scrolls inside this box.
      */}
      <Box width="100%" maxWidth="100%" style={{ overflowX: 'auto' }} data-list-table>
        <Table colCount={columns.length} rowCount={results.length + 1}>
          <Thead>
            <Tr>
              {columns.map((column) => (
                <Th key={column.header}>
                  <Typography variant="sigma">{t(column.header)}</Typography>
                </Th>
              ))}
            </Tr>
          </Thead>
          <Tbody>
            {results.map((row) => (
              <Tr key={rowKey(row)} {...rowProps?.(row)}>
                {columns.map((column) => (
                  <Td key={column.header} style={cellStyle(column)}>
                    {column.cell(row)}
                  </Td>
                ))}
              </Tr>
            ))}
          </Tbody>
        </Table>
      </Box>
      <Pagination.Root pageCount={pagination.pageCount} total={pagination.total} defaultPageSize={pageSize}>
        <Pagination.PageSize options={PAGE_SIZES} />
        <Pagination.Links />
      </Pagination.Root>
    </Flex>
  );
}
