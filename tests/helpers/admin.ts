/**
 * Helpers for the admin-API integration tests: students, messages and provider events written the
 * way the plugin itself writes them, and admin users whose roles hold only some plugin actions.
 */
import request from 'supertest';
import type { Channel, NormalizedEvent } from '../../server/src/core/events';
import type { MessageStatus } from '../../server/src/core/statuses';
import { table, type Row } from '../../server/src/utils/plugin';
import { UID } from '../../server/src/utils/uids';
import type { TestApp } from './app';

export { UID };

export const ACTIONS = {
  logsRead: 'plugin::deliverability.logs.read',
  reportsRead: 'plugin::deliverability.reports.read',
  messagesSend: 'plugin::deliverability.messages.send',
  messagesRetry: 'plugin::deliverability.messages.retry',
  addressesReactivate: 'plugin::deliverability.addresses.reactivate',
  eventsReclassify: 'plugin::deliverability.events.reclassify',
  settingsRead: 'plugin::deliverability.settings.read',
} as const;

export async function createContact(app: TestApp, data: { firstName: string; lastName?: string; email?: string; mobile?: string; externalId?: string }): Promise<string> {
  const created = await app.strapi.documents(UID.contact as 'plugin::deliverability.contact').create({ data } as never);
  return (created as unknown as { documentId: string }).documentId;
}

export interface LogInput {
  contact?: string | null;
  channel?: Channel;
  address: string;
  status?: MessageStatus;
  source?: 'touchpoint' | 'grab' | 'manual' | 'api';
  sourceName?: string;
  attempts?: number;
  createdAt?: number;
  provider?: string;
  subject?: string;
}

/** A message as the send path leaves it; `createdAt` lets a test place it on a given day. */
export async function createLog(app: TestApp, input: LogInput): Promise<Row> {
  const channel = input.channel ?? 'email';
  const at = new Date(input.createdAt ?? Date.now());
  const row = await table(app.strapi, UID.log).create({
    data: {
      channel,
      address: input.address,
      contactType: input.contact ? UID.contact : null,
      contactDocumentId: input.contact ?? null,
      source: input.source ?? 'touchpoint',
      sourceName: input.sourceName ?? 'Welcome to your course',
      status: input.status ?? 'sent',
      attempts: input.attempts ?? 1,
      firstAttemptAt: at,
      provider: input.provider ?? 'sendgrid',
      content: channel === 'email' ? { subject: input.subject ?? 'Welcome', text: 'Hello' } : { body: 'Hello' },
      createdAt: at,
      updatedAt: at,
    },
  });
  await table(app.strapi, UID.log).update({ where: { id: row.id }, data: { providerMessageId: `pm-${row.documentId}` } });
  return (await table(app.strapi, UID.log).findOne({ where: { id: row.id } }))!;
}

let counter = 0;

/** A provider event about a message (or, with `log: null`, about a bare address). */
export function eventFor(log: Row | null, overrides: Partial<NormalizedEvent> & Pick<NormalizedEvent, 'kind'>): NormalizedEvent {
  counter += 1;
  return {
    provider: 'sendgrid',
    channel: (log?.channel as Channel | undefined) ?? 'email',
    address: (log?.address as string | undefined) ?? 'nobody@example.ac.uk',
    providerMessageId: log ? `pm-${log.documentId}` : null,
    correlationId: log?.documentId ?? null,
    attempt: 1,
    eventKey: `admin-test:${process.pid}:${counter}`,
    occurredAt: Date.now(),
    rawType: overrides.kind,
    rawCode: null,
    rawText: null,
    severity: null,
    ...overrides,
  };
}

export async function applyEvents(app: TestApp, events: NormalizedEvent[]): Promise<void> {
  const intake = app.strapi.plugin('deliverability').service('intake') as { apply(events: NormalizedEvent[]): Promise<unknown> };
  await intake.apply(events);
}

/**
 * An admin user whose only role holds exactly these actions (none: an editor who cannot see the
 * plugin at all), logged in; returns its JWT.
 */
export async function tokenWithActions(app: TestApp, name: string, actions: (string | { action: string; subject: string })[]): Promise<string> {
  const roles = app.strapi.service('admin::role') as {
    create(data: { name: string; description: string }): Promise<{ id: number }>;
    assignPermissions(roleId: number, permissions: Record<string, unknown>[]): Promise<unknown>;
  };
  const role = await roles.create({ name: `Test ${name} ${Date.now()}`, description: 'Created by a test' });
  await roles.assignPermissions(
    role.id,
    actions.map((a) => (typeof a === 'string' ? { action: a, subject: null } : a)).map((a) => ({ ...a, properties: {}, conditions: [] })),
  );
  const email = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${Date.now()}@test.local`;
  const password = 'Test-password-1';
  const users = app.strapi.service('admin::user') as { create(data: unknown): Promise<unknown> };
  await users.create({ email, firstname: name, lastname: 'Tester', password, isActive: true, roles: [role.id] });
  const response = await request(app.server).post('/admin/login').send({ email, password });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.data.token as string;
}
