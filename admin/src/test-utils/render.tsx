import { DesignSystemProvider } from '@strapi/design-system';
import { render, type RenderResult } from '@testing-library/react';
import { IntlProvider } from 'react-intl';
import { MemoryRouter } from 'react-router-dom';
import en from '../translations/en.json';
import fr from '../translations/fr.json';
import { prefixTranslations } from '../utils/translations';
import { currentTestAdminApi, rtkQuery } from './adminApi';

const MESSAGES = { en, fr };

/** Renders a component inside what the admin gives it: the theme, the messages of a language (English by default), a router and the data layer's store. */
export function renderInAdmin(ui: React.ReactElement, locale: keyof typeof MESSAGES = 'en'): RenderResult {
  const api = currentTestAdminApi();
  return render(
    <MemoryRouter future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
      <IntlProvider locale={locale} defaultLocale="en" messages={prefixTranslations(MESSAGES[locale])} timeZone="UTC">
        <DesignSystemProvider locale={locale}>
          {api ? <rtkQuery.ApiProvider api={api}>{ui}</rtkQuery.ApiProvider> : ui}
        </DesignSystemProvider>
      </IntlProvider>
    </MemoryRouter>,
  );
}
