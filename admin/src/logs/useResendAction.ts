import * as React from 'react';
import { useNotification } from '@strapi/strapi/admin';
import { errorMessage, useResendVerification, type VerificationView } from '../utils/api';
import { useT } from '../utils/translations';

/**
 * The Full Logs card's "Send again" on a pending verification: sends it, says so, and remembers
 * which one is in flight so its button waits. The summary refetches (the request invalidates it).
 */
export function useResendAction(): { resendingId: string | null; resend: (verification: VerificationView) => Promise<void> } {
  const t = useT();
  const send = useResendVerification();
  const { toggleNotification } = useNotification();
  const [resendingId, setResendingId] = React.useState<string | null>(null);
  const resend = React.useCallback(
    async (verification: VerificationView) => {
      setResendingId(verification.documentId);
      try {
        await send(verification.documentId);
        toggleNotification({ type: 'success', message: t('addresses.resendVerification.done') });
      } catch (error) {
        toggleNotification({ type: 'danger', message: errorMessage(error) ?? t('addresses.resendVerification.failed') });
      } finally {
        setResendingId(null);
      }
    },
    [send, t, toggleNotification],
  );
  return { resendingId, resend };
}
