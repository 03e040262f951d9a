import type { Core } from '@strapi/strapi';
import { normalizeAddress } from '../core/addresses';
import { contentMergeFields, type BulkSendInput } from '../core/bulk-input';
import { MAX_BULK_RECIPIENTS } from '../core/bulk-input';
import { isEmailContent, type MessageContent } from '../core/message-input';
import { renderMergeFields } from '../core/merge-fields';
import { ledgerKey } from './ledger';
import { refusesMessageOf } from '../core/categories';
import { getService, table, type Row } from '../utils/plugin';
import { SendRefusedError } from './messages';
import type { ContactSource } from './contacts';

/**
 * A bulk send's recipients: the contacts asked for (a list, or a Content-Manager-style filter on a
 * configured contact type), each with its address and its own rendering of the content. Every
 * problem is found here, before anything is queued: an unknown type, field or contact, a filter
 * on a field the type does not have, a merge field without a value.
 */

export interface BulkRecipient {
  documentId: string;
  displayName: string;
  address: string;
  content: MessageContent;
}

export interface ResolvedRecipients {
  source: ContactSource;
  recipients: BulkRecipient[];
  withoutAddress: number;
}

const PAGE = 1000;
/** Operators that combine filters rather than test a field. */
const LOGICAL = new Set(['$and', '$or', '$not']);

/** Throws naming the first filter key that is neither a logical operator nor a field of the type. */
function checkFilterFields(filters: unknown, attributes: Record<string, unknown>, path: string): void {
  if (Array.isArray(filters)) return filters.forEach((f, i) => checkFilterFields(f, attributes, `${path}[${i}]`));
  if (typeof filters !== 'object' || filters === null) return;
  for (const [key, value] of Object.entries(filters)) {
    if (LOGICAL.has(key)) checkFilterFields(value, attributes, `${path}.${key}`);
    else if (!(key in attributes) && key !== 'id' && key !== 'documentId') {
      throw new SendRefusedError(400, `${path}.${key}`, `${path}: the contact type has no field "${key}"`);
    }
  }
}

function renderContent(content: MessageContent, values: Row): { content: MessageContent; missing: string[] } {
  const render = (text: string | null) => (text === null ? { text: null, missing: [] } : renderMergeFields(text, values));
  if (!isEmailContent(content)) {
    const body = renderMergeFields(content.body, values);
    return { content: { body: body.text }, missing: body.missing };
  }
  const [subject, html, text] = [render(content.subject), render(content.html), render(content.text)];
  return {
    content: { subject: subject.text ?? '', html: html.text, text: text.text },
    missing: [...subject.missing, ...html.missing, ...text.missing],
  };
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const contacts = () => getService(strapi, 'contacts');
  const attributesOf = (uid: string): Record<string, unknown> =>
    (strapi.contentTypes as unknown as Record<string, { attributes: Record<string, unknown> }>)[uid].attributes;

  function sourceOf(input: BulkSendInput): ContactSource {
    const type = input.recipients.type ?? contacts().defaultType();
    const source = contacts().source(type);
    if (!source) throw new SendRefusedError(400, 'recipients.type', `recipients.type: "${type}" is not a contact type this site uses`);
    const addressField = input.channel === 'email' ? source.fields.email : source.fields.mobile;
    if (!addressField) throw new SendRefusedError(400, 'channel', `channel: the contact type ${type} has no ${input.channel === 'email' ? 'email' : 'mobile'} field`);
    const attributes = attributesOf(source.uid);
    for (const field of contentMergeFields(input.content)) {
      if (!(field in attributes)) throw new SendRefusedError(400, 'mergeFields', `{{${field}}}: the contact type ${type} has no field "${field}"`);
    }
    return source;
  }

  /** The contacts asked for, a page at a time; a listed documentId that does not exist is refused. */
  async function loadContacts(input: BulkSendInput, source: ContactSource): Promise<Row[]> {
    const rows = new Map<string, Row>();
    const where = input.recipients.kind === 'filter' ? input.recipients.filters : null;
    if (where) checkFilterFields(where, attributesOf(source.uid), 'recipients.filters');
    const ids = input.recipients.kind === 'contacts' ? input.recipients.documentIds : null;
    for (let page = 0; ; page += 1) {
      const query = ids
        ? { where: { documentId: { $in: ids.slice(page * PAGE, (page + 1) * PAGE) } } }
        : { where: where!, orderBy: { id: 'asc' }, offset: page * PAGE, limit: PAGE };
      if (ids && page * PAGE >= ids.length) break;
      const found = await table(strapi, source.uid)
        .findMany(query)
        .catch((error: Error) => {
          // The Query Engine's own words for a filter it cannot read: the caller's mistake, not ours.
          if (where && /operator|Where must be|cannot filter/i.test(error.message)) throw new SendRefusedError(400, 'recipients.filters', `recipients.filters: ${error.message}`);
          throw error;
        });
      // A document with drafts or locales has several rows: the first one stands for it.
      for (const row of found) if (!rows.has(row.documentId)) rows.set(row.documentId, row);
      if (rows.size > MAX_BULK_RECIPIENTS) throw new SendRefusedError(400, 'recipients', `recipients: more than ${MAX_BULK_RECIPIENTS} contacts; split the send`);
      if (!ids && found.length < PAGE) break;
    }
    const unknown = ids?.filter((id) => !rows.has(id)) ?? [];
    if (unknown.length > 0) {
      throw new SendRefusedError(400, 'recipients.contacts', `recipients.contacts: ${unknown.length} unknown contact(s), such as "${unknown[0]}"`);
    }
    return [...rows.values()];
  }

  /** Each contact's address and rendered content; an address two contacts share is sent to once. */
  function toRecipients(input: BulkSendInput, source: ContactSource, rows: Row[]): ResolvedRecipients {
    const field = (input.channel === 'email' ? source.fields.email : source.fields.mobile)!;
    const recipients = new Map<string, BulkRecipient>();
    const missing = new Map<string, number>();
    let withoutAddress = 0;
    for (const row of rows) {
      const raw = row[field];
      const address = typeof raw === 'string' ? normalizeAddress(input.channel, raw) : null;
      if (!address) {
        withoutAddress += 1;
        continue;
      }
      const rendered = renderContent(input.content, row);
      rendered.missing.forEach((name) => missing.set(name, (missing.get(name) ?? 0) + 1));
      if (!recipients.has(address)) {
        recipients.set(address, { documentId: row.documentId, displayName: contacts().summarize(source, row).displayName, address, content: rendered.content });
      }
    }
    const [name, count] = [...missing.entries()][0] ?? [];
    if (name) {
      throw new SendRefusedError(400, 'mergeFields', `{{${name}}}: ${count} recipient(s) have no ${name}; give a fallback such as {{${name}|student}} or leave them out`);
    }
    return { source, recipients: [...recipients.values()], withoutAddress };
  }

  return {
    /** Everything a bulk send will queue, checked whole. Throws `SendRefusedError` (400) naming the problem. */
    async resolve(input: BulkSendInput): Promise<ResolvedRecipients> {
      const source = sourceOf(input);
      const resolved = toRecipients(input, source, await loadContacts(input, source));
      if (resolved.recipients.length === 0) throw new SendRefusedError(400, 'recipients', 'recipients: no contact with a usable address matches');
      return resolved;
    },

    /** Which of these addresses refuse the send's category (their messages will be dropped, not sent). */
    async suppressed(channel: BulkSendInput['channel'], addresses: string[], category: string): Promise<Set<string>> {
      const entries = await getService(strapi, 'ledger').loadMany(addresses.map((address) => ({ channel, address })));
      const policies = getService(strapi, 'config').get().categories;
      return new Set(addresses.filter((address) => refusesMessageOf(policies, category, entries.get(ledgerKey(channel, address))!.state.state)));
    },
  };
};
