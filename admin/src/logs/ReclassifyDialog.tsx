import * as React from 'react';
import { Dialog, Field, Flex, SingleSelect, SingleSelectOption, Typography } from '@strapi/design-system';
import { Pencil } from '@strapi/icons';
import { useNotification } from '@strapi/strapi/admin';
import { errorMessage, useReclassify, type EventView, type ReclassifyBody } from '../utils/api';
import { ConfirmFooter, ReasonField } from '../utils/ReasonField';
import { useT } from '../utils/translations';
import { eventKindKey, RECLASSIFY_KINDS } from './eventLabels';

/**
 * Correcting a misread event: the editor picks what the provider really meant and says why. The
 * server decides the address again from its whole history with the correction, and keeps the
 * editor's name and reason in the audit trail; the cache refreshes every view of the address.
 */
export function ReclassifyDialog({ event, onClose }: { event: EventView | null; onClose: () => void }): JSX.Element {
  const t = useT();
  const reclassify = useReclassify();
  const { toggleNotification } = useNotification();
  const choices = RECLASSIFY_KINDS.filter((kind) => kind !== event?.kind && (kind !== 'sender_block' || event?.channel === 'email'));
  const [kind, setKind] = React.useState<ReclassifyBody['kind'] | null>(null);
  const [reason, setReason] = React.useState('');
  const [touched, setTouched] = React.useState(false);
  const [submitting, setSubmitting] = React.useState(false);
  const [serverError, setServerError] = React.useState<string | null>(null);

  React.useEffect(() => {
    setKind(null);
    setReason('');
    setTouched(false);
    setServerError(null);
  }, [event?.documentId]);

  const missing = reason.trim() === '';
  const reasonError = touched && missing ? t('reclassify.reason.required') : (serverError ?? undefined);

  async function submit(): Promise<void> {
    setTouched(true);
    if (!event || !kind || missing) return;
    setSubmitting(true);
    setServerError(null);
    try {
      const result = await reclassify({ documentId: event.documentId, kind, reason: reason.trim() });
      toggleNotification({ type: 'success', message: t('reclassify.done', { address: result.address }) });
      onClose();
    } catch (error) {
      setServerError(errorMessage(error) ?? t('reclassify.failed'));
    } finally {
      setSubmitting(false);
    }
  }

  return (
    <Dialog.Root open={event !== null} onOpenChange={(open: boolean) => (!open ? onClose() : undefined)}>
      <Dialog.Content>
        <Dialog.Header>{t('reclassify.title')}</Dialog.Header>
        <Dialog.Body icon={<Pencil />}>
          {event ? (
            <Flex direction="column" alignItems="stretch" gap={4} width="100%">
              <Typography textAlign="center">{t('reclassify.explain', { kind: t(eventKindKey(event.kind)), code: event.rawCode ?? '-' })}</Typography>
              <Field.Root name="kind" required error={touched && !kind ? t('reclassify.kind.required') : undefined}>
                <Field.Label>{t('reclassify.kind.label')}</Field.Label>
                <SingleSelect value={kind ?? undefined} placeholder={t('reclassify.kind.placeholder')} onChange={(value: string | number) => setKind(String(value) as ReclassifyBody['kind'])}>
                  {choices.map((choice) => (
                    <SingleSelectOption key={choice} value={choice}>
                      {t(eventKindKey(choice))}
                    </SingleSelectOption>
                  ))}
                </SingleSelect>
                <Field.Error />
              </Field.Root>
              <ReasonField value={reason} error={reasonError} placeholder={t('reclassify.reason.placeholder')} onChange={setReason} onBlur={() => setTouched(true)} />
            </Flex>
          ) : null}
        </Dialog.Body>
        <ConfirmFooter confirm={t('reclassify.confirm')} variant="secondary" submitting={submitting} onCancel={onClose} onConfirm={() => void submit()} />
      </Dialog.Content>
    </Dialog.Root>
  );
}
