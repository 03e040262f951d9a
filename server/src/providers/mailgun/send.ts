/** Mailgun user variables (`v:` fields) come back in every event's `user-variables`. */
export function mailgunCorrelationFields(logDocumentId: string, attempt: number): Record<string, unknown> {
  return { 'v:deliverability_id': logDocumentId, 'v:deliverability_attempt': String(attempt) };
}
