import * as React from 'react';
import { Button, Dialog, Field, Textarea } from '@strapi/design-system';
import { useT } from './translations';

/** The longest reason the server keeps (MAX_REASON_LENGTH). */
export const MAX_REASON = 1000;

/** The required "why" of a manual action, kept in the audit trail with the editor's name. */
export function ReasonField(props: { value: string; error?: string; placeholder: string; onChange: (value: string) => void; onBlur: () => void }): JSX.Element {
  const t = useT();
  return (
    <Field.Root name="reason" error={props.error} required hint={t('reactivate.reason.hint')}>
      <Field.Label>{t('reactivate.reason.label')}</Field.Label>
      <Textarea
        value={props.value}
        maxLength={MAX_REASON}
        placeholder={props.placeholder}
        onChange={(event: React.ChangeEvent<HTMLTextAreaElement>) => props.onChange(event.target.value)}
        onBlur={props.onBlur}
      />
      <Field.Hint />
      <Field.Error />
    </Field.Root>
  );
}

/** Cancel, and the action's confirm button (busy while the request is in flight). */
export function ConfirmFooter(props: { confirm: string; variant: 'danger-light' | 'secondary'; submitting: boolean; onCancel: () => void; onConfirm: () => void }): JSX.Element {
  const t = useT();
  return (
    <Dialog.Footer>
      <Dialog.Cancel>
        <Button fullWidth variant="tertiary" onClick={props.onCancel}>
          {t('common.cancel')}
        </Button>
      </Dialog.Cancel>
      <Button fullWidth variant={props.variant} loading={props.submitting} onClick={props.onConfirm}>
        {props.confirm}
      </Button>
    </Dialog.Footer>
  );
}
