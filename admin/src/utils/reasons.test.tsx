import { screen } from '@testing-library/react';
import { decide, NEW_ADDRESS } from '../../../server/src/core/decide';
import type { NormalizedEvent } from '../../../server/src/core/events';
import { DEFAULT_DECISION_POLICY } from '../../../server/src/core/policy';
import { englishReason, type ReasonPart } from '../../../server/src/core/reasons';
import { renderInAdmin } from '../test-utils/render';
import { useReasonText } from './reasons';

function Reason({ data, stored }: { data: ReasonPart[] | null; stored: string | null }): JSX.Element {
  const text = useReasonText();
  return <p data-testid="reason">{text(data, stored) ?? '-'}</p>;
}

const hardBounce: NormalizedEvent = {
  provider: 'sendgrid',
  channel: 'email',
  kind: 'hard_bounce',
  address: 'amira.haddad@bounce.test',
  providerMessageId: 'sg-1',
  correlationId: null,
  attempt: 1,
  eventKey: 'sg-ev-1',
  occurredAt: Date.parse('2026-11-21T08:20:00Z'),
  rawType: 'bounce',
  rawCode: '550 5.1.1',
  rawText: 'The email account that you tried to reach does not exist.',
  severity: 'permanent',
};

const decision = decide({
  event: hardBounce,
  message: { status: 'sent', attempts: 1, firstAttemptAt: hardBounce.occurredAt, nextAttemptAt: null, lastError: null },
  address: NEW_ADDRESS,
  policy: DEFAULT_DECISION_POLICY,
  now: hardBounce.occurredAt,
});

describe('reasons in the admin', () => {
  it('renders the codes in English exactly as the server stored them', () => {
    expect(decision.reason).toBe(englishReason(decision.reasonData));
    renderInAdmin(<Reason data={decision.reasonData} stored={decision.reason} />);
    expect(screen.getByTestId('reason').textContent).toBe(decision.reason);
  });

  it('renders the same codes in French, with the provider’s own words untouched', () => {
    renderInAdmin(<Reason data={decision.reasonData} stored={decision.reason} />, 'fr');
    const text = screen.getByTestId('reason').textContent ?? '';
    expect(text).toContain('Rebond définitif signalé par SendGrid : 550 5.1.1 The email account that you tried to reach does not exist.');
    expect(text).toContain('Message à l’état « rejeté ».');
    expect(text).toContain('L’adresse passe à l’état « en échec » et ne sera plus utilisée.');
  });

  it('shows the stored English text of rows written before codes existed', () => {
    renderInAdmin(<Reason data={null} stored="Message delivered." />, 'fr');
    expect(screen.getByTestId('reason').textContent).toBe('Message delivered.');
  });
});
