import * as React from 'react';
import { Dialog, Flex, Typography } from '@strapi/design-system';
import { WarningCircle } from '@strapi/icons';
import { useNotification } from '@strapi/strapi/admin';
import { errorMessage, useReactivateOrVerify, type ProviderLift } from '../utils/api';
import { addressStateKey, type AddressState, type Channel } from '../utils/status';
import { ConfirmFooter, ReasonField } from '../utils/ReasonField';
import { useT, type Translate } from '../utils/translations';

export interface ReactivateTarget {
  channel: Channel;
  address: string;
  state: AddressState;
  reason?: string | null;
}

export interface ReactivateDialogProps {
  target: ReactivateTarget | null;
  onClose: () => void;
}

/** What the push did at each email provider, in one sentence (none configured: nothing to say). */
function liftSummary(t: Translate, lifts: ProviderLift[]): string | null {
  const names = (result: ProviderLift['result']): string => lifts.filter((l) => l.result === result).map((l) => l.provider).join(', ') || '-';
  if (!lifts.some((l) => l.provider !== 'sms')) return null;
  return t('reactivate.lifts', { lifted: names('lifted'), notListed: names('not_listed'), failed: names('failed') });
}

/**
 * Reactivating says what it means before it happens: the plugin will send to this address again,
 * and if it is still bad, the provider will bounce it again and the site's sender reputation
 * pays. The reason is required, and kept in the audit trail with the editor's name. Done, it
 * invalidates the admin's cache, so every badge, panel and list showing the address refreshes.
 */
export function ReactivateDialog({ target, onClose }: ReactivateDialogProps): JSX.Element {
  const t = useT();
  const reactivate = useReactivateOrVerify();
  const { toggleNotification } = useNotification();
  const [reason, setReason] = React.useState('');
  const [touched, setTouched] = React.useState(false);
  const [submitting, setSubmitting] = React.useState(false);
  const [serverError, setServerError] = React.useState<string | null>(null);

  React.useEffect(() => {
    // A new address starts with an empty form.
    setReason('');
    setTouched(false);
    setServerError(null);
  }, [target?.channel, target?.address]);

  const missing = reason.trim() === '';
  const fieldError = touched && missing ? t('reactivate.reason.required') : serverError ?? undefined;

  async function submit(): Promise<void> {
    setTouched(true);
    if (!target || missing) return;
    setSubmitting(true);
    setServerError(null);
    try {
      const answer = await reactivate({ channel: target.channel, address: target.address, reason: reason.trim() });
      const lifts = answer.providerLifts ?? [];
      const failed = lifts.filter((l) => l.result === 'failed');
      toggleNotification(
        answer.verification
          ? { type: 'info', message: t('reactivate.verificationSent', { address: target.address }) }
          : {
              type: failed.length > 0 ? 'warning' : 'success',
              message: [t('reactivate.done', { address: target.address }), liftSummary(t, lifts)].filter(Boolean).join(' '),
            },
      );
      onClose();
    } catch (error) {
      setServerError(errorMessage(error) ?? t('reactivate.failed'));
    } finally {
      setSubmitting(false);
    }
  }

  return (
    <Dialog.Root open={target !== null} onOpenChange={(open: boolean) => (!open ? onClose() : undefined)}>
      <Dialog.Content>
        <Dialog.Header>{t('reactivate.title')}</Dialog.Header>
        <Dialog.Body icon={<WarningCircle fill="danger600" />}>
          {target ? (
            <Flex direction="column" alignItems="stretch" gap={4} width="100%">
              <Typography textAlign="center" data-reactivate-address={target.address}>
                {t(target.channel === 'email' ? 'reactivate.explain.email' : 'reactivate.explain.sms', {
                  address: target.address,
                  state: t(addressStateKey(target.state)),
                })}
              </Typography>
              <Typography textAlign="center" textColor="neutral600" variant="omega">
                {t('reactivate.warning')}
              </Typography>
              <ReasonField value={reason} error={fieldError} placeholder={t('reactivate.reason.placeholder')} onChange={setReason} onBlur={() => setTouched(true)} />
            </Flex>
          ) : null}
        </Dialog.Body>
        <ConfirmFooter confirm={t('reactivate.confirm')} variant="danger-light" submitting={submitting} onCancel={onClose} onConfirm={() => void submit()} />
      </Dialog.Content>
    </Dialog.Root>
  );
}
