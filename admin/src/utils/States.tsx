import { Box, Button, EmptyStateLayout, Flex, Loader } from '@strapi/design-system';
import { ArrowClockwise } from '@strapi/icons';
import { EmptyDocuments, EmptyPermissions } from '@strapi/icons/symbols';
import { errorMessage } from './api';
import { useT } from './translations';

/** The loading, error and empty states every view shares, in the design system's own forms. */

export function LoadingState({ label }: { label?: string }): JSX.Element {
  const t = useT();
  return (
    <Flex justifyContent="center" padding={8} data-state="loading">
      <Loader>{label ?? t('state.loading')}</Loader>
    </Flex>
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }): JSX.Element {
  const t = useT();
  const status = (error as { status?: number; response?: { data?: { error?: { status?: number } } } })?.response?.data?.error?.status ?? (error as { status?: number })?.status;
  const forbidden = status === 403;
  const detail = errorMessage(error);
  return (
    <Box data-state="error">
      <EmptyStateLayout
        icon={<EmptyPermissions width="16rem" />}
        content={forbidden ? t('state.forbidden') : detail ? t('state.errorWithDetail', { detail }) : t('state.error')}
        action={
          onRetry && !forbidden ? (
            <Button variant="secondary" startIcon={<ArrowClockwise />} onClick={onRetry}>
              {t('state.retry')}
            </Button>
          ) : undefined
        }
      />
    </Box>
  );
}

export function EmptyState({ content, action }: { content: string; action?: React.ReactNode }): JSX.Element {
  return (
    <Box data-state="empty">
      <EmptyStateLayout icon={<EmptyDocuments width="16rem" />} content={content} action={action} />
    </Box>
  );
}
