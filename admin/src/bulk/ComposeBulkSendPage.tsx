import * as React from 'react';
import { Box, Button, Field, Flex, SingleSelect, SingleSelectOption, Textarea, TextInput, Typography } from '@strapi/design-system';
import { Eye, Mail } from '@strapi/icons';
import { BackButton, Layouts, Page, useNotification } from '@strapi/strapi/admin';
import { useNavigate } from 'react-router-dom';
import { PLUGIN_PATH } from '../pluginId';
import { errorMessage, type BulkPreview } from '../utils/api';
import { CHANNELS, channelKey, type Channel } from '../utils/status';
import { useT, type TranslationKey } from '../utils/translations';
import { refusedField, useBulkPreview, useCreateBulkSend } from './api';
import { inputOf, requestOf, type Draft, type RefusedInput } from './request';
import { useContactTypes } from './contactTypes';
import { PreviewPanel } from './PreviewPanel';
import { CategoryField } from './CategoryField';
import { RecipientFilter } from './RecipientFilter';

/** The server's refusal, placed on the input it is about. */
interface Refusal {
  field: string | null;
  message: string;
}

const LABELS = {
  sourceName: 'bulk.compose.sourceName',
  sourceNameHint: 'bulk.compose.sourceNameHint',
  subject: 'bulk.compose.subject',
  emailText: 'bulk.compose.text',
  smsText: 'bulk.compose.sms',
  mergeHint: 'bulk.compose.mergeHint',
} as const satisfies Record<string, TranslationKey>;

const EMPTY: Draft = { channel: 'email', sourceName: '', subject: '', text: '', type: '', conditions: [], category: '' };

function TextField({
  name,
  label,
  hint,
  value,
  error,
  multiline,
  onChange,
}: {
  name: string;
  label: TranslationKey;
  hint?: TranslationKey;
  value: string;
  error?: string;
  multiline?: boolean;
  onChange: (value: string) => void;
}): JSX.Element {
  const t = useT();
  const change = (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>): void => onChange(e.target.value);
  return (
    <Field.Root name={name} error={error} hint={hint ? t(hint) : undefined} required>
      <Field.Label>{t(label)}</Field.Label>
      {multiline ? <Textarea value={value} onChange={change} /> : <TextInput value={value} onChange={change} />}
      <Field.Hint />
      <Field.Error />
    </Field.Root>
  );
}

/** The message: its channel, the source name that labels it, the subject and the text with merge fields. */
function ContentFields({
  draft,
  edit,
  errorFor,
}: {
  draft: Draft;
  edit: (changes: Partial<Draft>) => void;
  errorFor: (input: RefusedInput) => string | undefined;
}): JSX.Element {
  const t = useT();
  return (
    <Box background="neutral0" hasRadius shadow="tableShadow" padding={6}>
      <Flex direction="column" alignItems="stretch" gap={4}>
        <Field.Root name="channel">
          <Field.Label>{t('bulk.compose.channel')}</Field.Label>
          <SingleSelect value={draft.channel} onChange={(value: string | number) => edit({ channel: value as Channel })}>
            {CHANNELS.map((c) => (
              <SingleSelectOption key={c} value={c}>
                {t(channelKey(c))}
              </SingleSelectOption>
            ))}
          </SingleSelect>
        </Field.Root>
        <CategoryField value={draft.category} onChange={(category) => edit({ category })} />
        <TextField
          name="sourceName"
          label={LABELS.sourceName}
          hint={LABELS.sourceNameHint}
          value={draft.sourceName}
          error={errorFor('sourceName')}
          onChange={(sourceName) => edit({ sourceName })}
        />
        {draft.channel === 'email' ? (
          <TextField
            name="subject"
            label={LABELS.subject}
            value={draft.subject}
            error={errorFor('subject')}
            onChange={(subject) => edit({ subject })}
          />
        ) : null}
        <TextField
          name="text"
          label={draft.channel === 'email' ? LABELS.emailText : LABELS.smsText}
          hint={LABELS.mergeHint}
          value={draft.text}
          error={errorFor('text')}
          multiline
          onChange={(text) => edit({ text })}
        />
      </Flex>
    </Box>
  );
}

/** The compose form's state and its two requests: preview (nothing queued) and send. */
function useCompose() {
  const [draft, setDraft] = React.useState<Draft>(EMPTY);
  const [preview, setPreview] = React.useState<BulkPreview | null>(null);
  const [refusal, setRefusal] = React.useState<Refusal | null>(null);
  const [busy, setBusy] = React.useState(false);
  const previewOf = useBulkPreview();
  const create = useCreateBulkSend();
  const edit = (changes: Partial<Draft>): void => {
    setDraft((d) => ({ ...d, ...changes }));
    // What was previewed is no longer what would be sent.
    setPreview(null);
    setRefusal(null);
  };
  const run = async <T,>(work: () => Promise<T>): Promise<T | null> => {
    setBusy(true);
    setRefusal(null);
    try {
      return await work();
    } catch (error) {
      setRefusal({ field: refusedField(error), message: errorMessage(error) ?? '' });
      return null;
    } finally {
      setBusy(false);
    }
  };
  return {
    draft,
    edit,
    preview,
    refusal,
    busy,
    runPreview: async () => setPreview(await run(() => previewOf(requestOf(draft)))),
    send: () => run(() => create(requestOf(draft))),
  };
}

/** Compose a bulk send: its content with merge fields, a source name, the recipients; preview; send. */
export function ComposeBulkSendPage(): JSX.Element {
  const t = useT();
  const navigate = useNavigate();
  const { toggleNotification } = useNotification();
  const { types } = useContactTypes();
  const compose = useCompose();
  const { draft, edit, refusal } = compose;
  React.useEffect(() => {
    if (!draft.type && types.length > 0) edit({ type: types[0].uid });
  }, [types]); // eslint-disable-line react-hooks/exhaustive-deps
  const errorFor = (input: RefusedInput): string | undefined => (refusal && inputOf(refusal.field) === input ? refusal.message : undefined);
  const send = async (): Promise<void> => {
    const created = await compose.send();
    if (!created) return;
    toggleNotification({ type: 'success', message: t('bulk.compose.queued', { count: created.total }) });
    navigate(`${PLUGIN_PATH}/bulk/${created.id}`);
  };
  const unplaced = refusal && inputOf(refusal.field) === null ? refusal.message : null;
  return (
    <Page.Main>
      <Page.Title>{t('bulk.compose.title')}</Page.Title>
      <Layouts.Header
        navigationAction={<BackButton fallback={`${PLUGIN_PATH}/bulk`} />}
        title={t('bulk.compose.title')}
        subtitle={t('bulk.compose.subtitle')}
      />
      <Layouts.Content>
        <Flex direction="column" alignItems="stretch" gap={6}>
          <ContentFields draft={draft} edit={edit} errorFor={errorFor} />
          <Box background="neutral0" hasRadius shadow="tableShadow" padding={6}>
            <Flex direction="column" alignItems="stretch" gap={4}>
              <Typography variant="delta" tag="h2">
                {t('bulk.recipients.title')}
              </Typography>
              <RecipientFilter
                types={types}
                type={draft.type}
                onType={(type) => edit({ type, conditions: [] })}
                conditions={draft.conditions}
                onConditions={(conditions) => edit({ conditions })}
                error={errorFor('recipients')}
              />
            </Flex>
          </Box>
          {unplaced ? (
            <Typography textColor="danger600" data-bulk-error>
              {unplaced}
            </Typography>
          ) : null}
          <Flex gap={2}>
            <Button
              variant="secondary"
              startIcon={<Eye />}
              loading={compose.busy && !compose.preview}
              onClick={() => void compose.runPreview()}
            >
              {t('bulk.compose.preview')}
            </Button>
            <Button startIcon={<Mail />} disabled={!compose.preview || compose.busy} onClick={() => void send()}>
              {compose.preview
                ? t('bulk.compose.send', { count: compose.preview.total - compose.preview.suppressed })
                : t('bulk.compose.sendAfterPreview')}
            </Button>
          </Flex>
          {compose.preview ? <PreviewPanel preview={compose.preview} /> : null}
        </Flex>
      </Layouts.Content>
    </Page.Main>
  );
}
