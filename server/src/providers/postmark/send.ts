/** Postmark Metadata comes back in bounce, delivery and complaint webhooks. */
export function postmarkCorrelationFields(logDocumentId: string, attempt: number): Record<string, unknown> {
  return { Metadata: { deliverability_id: logDocumentId, deliverability_attempt: String(attempt) } };
}
