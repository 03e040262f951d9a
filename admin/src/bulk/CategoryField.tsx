import * as React from 'react';
import { Field, SingleSelect, SingleSelectOption, Typography } from '@strapi/design-system';
import { useApi, type CategoryList, type CategoryView } from '../utils/api';
import { useT, type TranslationKey } from '../utils/translations';

/** The default categories by their translated names; a site's own categories show by name. */
const CATEGORY_KEYS: Record<string, TranslationKey> = {
  critical: 'bulk.category.critical',
  transactional: 'bulk.category.transactional',
  marketing: 'bulk.category.marketing',
};

export function useCategoryName(): (name: string) => string {
  const t = useT();
  return (name) => (Object.prototype.hasOwnProperty.call(CATEGORY_KEYS, name) ? t(CATEGORY_KEYS[name]) : name);
}

/** What a category implies, as one line: one-click unsubscribe, unsubscribed addresses, fallback. */
function useImplies(): (category: CategoryView) => string {
  const t = useT();
  return (category) =>
    t('bulk.category.implies', {
      unsubscribe: t(category.oneClickUnsubscribe ? 'bulk.category.oneClick' : 'bulk.category.noOneClick'),
      unsubscribed: t(category.sendToUnsubscribed ? 'bulk.category.reachesUnsubscribed' : 'bulk.category.skipsUnsubscribed'),
      fallback: t(category.fallback ? 'bulk.category.fallback' : 'bulk.category.noFallback'),
    });
}

/**
 * The send's category (GET /categories: the configured ones, marketing first as the default), with
 * a line under it saying what the chosen one implies. Picks the default once the list is known.
 */
export function CategoryField({ value, onChange }: { value: string; onChange: (category: string) => void }): JSX.Element | null {
  const t = useT();
  const nameOf = useCategoryName();
  const implies = useImplies();
  const list = useApi<CategoryList>('/categories').data;
  React.useEffect(() => {
    if (list && !value) onChange(list.bulkDefault);
  }, [list]); // eslint-disable-line react-hooks/exhaustive-deps
  if (!list) return null;
  const chosen = list.categories.find((c) => c.name === value);
  return (
    <Field.Root name="category">
      <Field.Label>{t('bulk.compose.category')}</Field.Label>
      <SingleSelect value={value} onChange={(next: string | number) => onChange(String(next))}>
        {list.categories.map((c) => (
          <SingleSelectOption key={c.name} value={c.name}>
            {nameOf(c.name)}
          </SingleSelectOption>
        ))}
      </SingleSelect>
      {chosen ? (
        <Typography variant="pi" textColor="neutral600" data-category-implies={chosen.name}>
          {implies(chosen)}
        </Typography>
      ) : null}
    </Field.Root>
  );
}
