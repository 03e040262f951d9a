import { Badge, Box, Flex, Table, Tbody, Td, Th, Thead, Tr, Typography } from '@strapi/design-system';
import { useIntl } from 'react-intl';
import type { BulkPreview, MessageContent } from '../utils/api';
import { useT } from '../utils/translations';

/** A recipient's message as they will get it: the subject over the text, or the SMS body. */
function MergedContent({ content }: { content: MessageContent }): JSX.Element {
  if ('body' in content) return <Typography>{content.body}</Typography>;
  return (
    <Flex direction="column" alignItems="flex-start" gap={1}>
      <Typography fontWeight="semiBold">{content.subject}</Typography>
      <Typography textColor="neutral700">{content.text ?? content.html ?? ''}</Typography>
    </Flex>
  );
}

/** What the send will do before it is queued: how many it reaches, how many are dropped, the first recipients. */
export function PreviewPanel({ preview }: { preview: BulkPreview }): JSX.Element {
  const t = useT();
  const { formatNumber } = useIntl();
  const reached = preview.total - preview.suppressed;
  return (
    <Box background="neutral0" hasRadius shadow="tableShadow" padding={6} data-bulk-preview>
      <Flex direction="column" alignItems="stretch" gap={4}>
        <Typography variant="delta" tag="h2">
          {t('bulk.preview.title')}
        </Typography>
        <Flex gap={6} wrap="wrap">
          <Typography data-preview-total={preview.total}>{t('bulk.preview.total', { count: formatNumber(preview.total) })}</Typography>
          <Typography data-preview-reached={reached}>{t('bulk.preview.reached', { count: formatNumber(reached) })}</Typography>
          <Typography data-preview-suppressed={preview.suppressed} textColor={preview.suppressed > 0 ? 'danger600' : 'neutral800'}>
            {t('bulk.preview.suppressed', { count: formatNumber(preview.suppressed) })}
          </Typography>
          {preview.withoutAddress > 0 ? (
            <Typography textColor="neutral600">
              {t('bulk.preview.withoutAddress', { count: formatNumber(preview.withoutAddress) })}
            </Typography>
          ) : null}
        </Flex>
        <Table colCount={4} rowCount={preview.recipients.length + 1}>
          <Thead>
            <Tr>
              <Th>
                <Typography variant="sigma">{t('bulk.preview.col.name')}</Typography>
              </Th>
              <Th>
                <Typography variant="sigma">{t('bulk.preview.col.address')}</Typography>
              </Th>
              <Th>
                <Typography variant="sigma">{t('bulk.preview.col.message')}</Typography>
              </Th>
              <Th>
                <Typography variant="sigma">{t('bulk.preview.col.outcome')}</Typography>
              </Th>
            </Tr>
          </Thead>
          <Tbody>
            {preview.recipients.map((r) => (
              <Tr key={r.documentId} data-preview-recipient={r.address}>
                <Td>
                  <Typography>{r.displayName}</Typography>
                </Td>
                <Td>
                  <Typography>{r.address}</Typography>
                </Td>
                <Td style={{ whiteSpace: 'normal', minWidth: '18rem' }}>
                  <MergedContent content={r.content} />
                </Td>
                <Td>
                  {r.suppressed ? (
                    <Badge backgroundColor="neutral700" textColor="neutral0">
                      {t('bulk.preview.dropped')}
                    </Badge>
                  ) : (
                    <Badge>{t('bulk.preview.sent')}</Badge>
                  )}
                </Td>
              </Tr>
            ))}
          </Tbody>
        </Table>
      </Flex>
    </Box>
  );
}
