/** What to add to a message sent through SendGrid (via Strapi's Email plugin) so its events carry our ids. */
export function sendgridCorrelationFields(logDocumentId: string, attempt: number): Record<string, unknown> {
  // custom_args come back merged into every event object; values must be strings.
  return { customArgs: { deliverability_id: logDocumentId, deliverability_attempt: String(attempt) } };
}
