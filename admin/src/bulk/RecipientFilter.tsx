import { Box, Button, Field, Flex, IconButton, SingleSelect, SingleSelectOption, TextInput, Typography } from '@strapi/design-system';
import { Plus, Trash } from '@strapi/icons';
import { useT, type TranslationKey } from '../utils/translations';
import type { ContactTypeOption } from './contactTypes';
import { OPERATORS, takesValue, type Condition, type Operator } from './filters';

const OPERATOR_KEYS: Record<Operator, TranslationKey> = {
  $eq: 'bulk.filter.op.eq',
  $ne: 'bulk.filter.op.ne',
  $containsi: 'bulk.filter.op.contains',
  $startsWith: 'bulk.filter.op.startsWith',
  $endsWith: 'bulk.filter.op.endsWith',
  $null: 'bulk.filter.op.null',
  $notNull: 'bulk.filter.op.notNull',
};

export const emptyCondition = (): Condition => ({ field: '', operator: '$eq', value: '' });

interface Props {
  types: ContactTypeOption[];
  type: string;
  onType: (uid: string) => void;
  conditions: Condition[];
  onConditions: (conditions: Condition[]) => void;
  /** The server's refusal of the recipients (an unknown field, no contact matching), if any. */
  error?: string;
}

function ConditionRow({
  condition,
  fields,
  index,
  onChange,
  onRemove,
}: {
  condition: Condition;
  fields: string[];
  index: number;
  onChange: (c: Condition) => void;
  onRemove: () => void;
}): JSX.Element {
  const t = useT();
  return (
    <Flex gap={2} alignItems="flex-end" data-condition={index}>
      <Box minWidth="14rem">
        <SingleSelect
          aria-label={t('bulk.filter.field')}
          placeholder={t('bulk.filter.field')}
          value={condition.field || undefined}
          onChange={(value: string | number) => onChange({ ...condition, field: String(value) })}
        >
          {fields.map((field) => (
            <SingleSelectOption key={field} value={field}>
              {field}
            </SingleSelectOption>
          ))}
        </SingleSelect>
      </Box>
      <Box minWidth="12rem">
        <SingleSelect
          aria-label={t('bulk.filter.operator')}
          value={condition.operator}
          onChange={(value: string | number) => onChange({ ...condition, operator: value as Operator })}
        >
          {OPERATORS.map((op) => (
            <SingleSelectOption key={op} value={op}>
              {t(OPERATOR_KEYS[op])}
            </SingleSelectOption>
          ))}
        </SingleSelect>
      </Box>
      {takesValue(condition.operator) ? (
        <TextInput
          aria-label={t('bulk.filter.value')}
          placeholder={t('bulk.filter.value')}
          value={condition.value}
          onChange={(e: React.ChangeEvent<HTMLInputElement>) => onChange({ ...condition, value: e.target.value })}
        />
      ) : null}
      <IconButton label={t('bulk.filter.remove')} onClick={onRemove} variant="ghost">
        <Trash />
      </IconButton>
    </Flex>
  );
}

/** The recipients: a contact type and the conditions its contacts must all meet (none: all of them). */
export function RecipientFilter({ types, type, onType, conditions, onConditions, error }: Props): JSX.Element {
  const t = useT();
  const fields = types.find((option) => option.uid === type)?.fields ?? [];
  const update = (index: number, next: Condition | null): void =>
    onConditions(next === null ? conditions.filter((_, i) => i !== index) : conditions.map((c, i) => (i === index ? next : c)));
  return (
    <Flex direction="column" alignItems="stretch" gap={3}>
      <Field.Root name="recipients.type" error={error} hint={t('bulk.recipients.hint')}>
        <Field.Label>{t('bulk.recipients.type')}</Field.Label>
        <SingleSelect
          value={type || undefined}
          placeholder={t('bulk.recipients.type')}
          onChange={(value: string | number) => onType(String(value))}
        >
          {types.map((option) => (
            <SingleSelectOption key={option.uid} value={option.uid}>
              {option.name}
            </SingleSelectOption>
          ))}
        </SingleSelect>
        <Field.Hint />
        <Field.Error />
      </Field.Root>
      <Typography variant="sigma" textColor="neutral600">
        {conditions.length === 0 ? t('bulk.filter.none') : t('bulk.filter.all')}
      </Typography>
      {conditions.map((condition, index) => (
        <ConditionRow
          key={index}
          index={index}
          condition={condition}
          fields={fields}
          onChange={(c) => update(index, c)}
          onRemove={() => update(index, null)}
        />
      ))}
      <Box>
        <Button variant="tertiary" startIcon={<Plus />} onClick={() => onConditions([...conditions, emptyCondition()])} disabled={!type}>
          {t('bulk.filter.add')}
        </Button>
      </Box>
    </Flex>
  );
}
