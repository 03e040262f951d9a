import { Flex, Typography } from '@strapi/design-system';
import { useIntl } from 'react-intl';
import type { AuditView } from '../utils/api';
import { addressStateKey, type AddressState } from '../utils/status';
import { useT } from '../utils/translations';

type Side = { address?: string | null; state?: AddressState | null } | null;

/** A student's changes of a failed address: the old one (which stays suppressed) and the new one, when and by whom. */
export function AddressChanges({ changes }: { changes: AuditView[] | undefined }): JSX.Element | null {
  const t = useT();
  const { formatDate } = useIntl();
  if (!changes || changes.length === 0) return null;
  return (
    <Flex direction="column" alignItems="stretch" gap={1} data-address-changes>
      <Typography variant="sigma" textColor="neutral600">
        {t('addressChanges.title')}
      </Typography>
      {changes.map((change) => {
        const before = change.before as Side;
        const after = change.after as Side;
        return (
          <Typography key={change.documentId} variant="pi" textColor="neutral700">
            {t('addressChanges.line', {
              date: change.createdAt ? formatDate(change.createdAt, { dateStyle: 'medium', timeStyle: 'short' }) : '-',
              name: change.actorName ?? '-',
              old: before?.address ?? '-',
              oldState: before?.state ? t(addressStateKey(before.state)) : '-',
              next: after?.address ?? t('addresses.none'),
              nextState: after?.state ? t(addressStateKey(after.state)) : '-',
            })}
          </Typography>
        );
      })}
    </Flex>
  );
}
