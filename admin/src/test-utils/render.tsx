import { DesignSystemProvider } from '@strapi/design-system';
import { render, type RenderResult } from '@testing-library/react';
import { IntlProvider } from 'react-intl';
import { MemoryRouter } from 'react-router-dom';
import en from '../translations/en.json';
import { prefixTranslations } from '../utils/translations';

/** Renders a component inside what the admin gives it: the theme, the English messages and a router. */
export function renderInAdmin(ui: React.ReactElement): RenderResult {
  return render(
    <MemoryRouter future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
      <IntlProvider locale="en" defaultLocale="en" messages={prefixTranslations(en)} timeZone="UTC">
        <DesignSystemProvider locale="en">{ui}</DesignSystemProvider>
      </IntlProvider>
    </MemoryRouter>,
  );
}
