/**
 * Merge fields in a bulk send's subject and body: `{{firstName}}`, or `{{firstName|student}}`
 * with a fallback for a contact whose field is empty. Every field is checked against the contact
 * type before anything is queued, and every recipient is rendered before anything is sent, so a
 * typo or a missing value is a clear error up front rather than "Dear ," in 5,000 inboxes.
 */

const FIELD = /\{\{\s*([A-Za-z_][\w]*)\s*(?:\|([^}]*))?\}\}/g;

export interface MergeField {
  name: string;
  fallback: string | null;
}

/** The merge fields a text uses, in order of first use. */
export function mergeFieldsOf(text: string): MergeField[] {
  const seen = new Map<string, MergeField>();
  for (const match of text.matchAll(FIELD)) {
    const name = match[1];
    if (!seen.has(name)) seen.set(name, { name, fallback: match[2] === undefined ? null : match[2].trim() });
  }
  return [...seen.values()];
}

const valueText = (value: unknown): string | null => {
  if (value === null || value === undefined) return null;
  const text = value instanceof Date ? value.toISOString() : String(value);
  return text.trim() === '' ? null : text;
};

/** The text with each field replaced; `missing` lists fields with neither a value nor a fallback. */
export function renderMergeFields(text: string, values: Record<string, unknown>): { text: string; missing: string[] } {
  const missing = new Set<string>();
  const rendered = text.replace(FIELD, (_whole, name: string, fallback: string | undefined) => {
    const value = valueText(values[name]);
    if (value !== null) return value;
    if (fallback !== undefined) return fallback.trim();
    missing.add(name);
    return '';
  });
  return { text: rendered, missing: [...missing] };
}
