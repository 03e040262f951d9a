import { Box, Flex, Typography } from '@strapi/design-system';
import { useIntl } from 'react-intl';
import { useTheme } from 'styled-components';
import type { Report } from '../utils/api';
import { MESSAGE_STATUS_COLOURS, messageStatusKey, type Channel, type MessageStatus } from '../utils/status';
import { useT } from '../utils/translations';

/**
 * Messages per day as stacked bars, one colour per status. Drawn as plain SVG: a bar chart of a
 * few hundred bars needs no chart library, and this one uses the design system's own colours,
 * so it follows the admin's light and dark themes.
 */

/** Bottom to top: good news at the base, the failures stacked on top where they catch the eye. */
export const STACK_ORDER: MessageStatus[] = ['delivered', 'sent', 'queued', 'deferred', 'dropped', 'complained', 'bounced', 'failed'];

const WIDTH = 800;
const HEIGHT = 260;
const PAD = { top: 12, right: 12, bottom: 28, left: 44 };

/** A round step: 1, 2 or 5 times a power of ten, never below 1 (messages come whole). */
export function niceStep(raw: number): number {
  if (raw <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const step of [1, 2, 5, 10]) if (step * power >= raw) return step * power;
  return 10 * power;
}

/** The y axis: whole-number ticks, about four of them, the top one at or above the tallest bar. */
export function axisTicks(tallest: number): number[] {
  const step = niceStep(Math.max(tallest, 1) / 4);
  const top = Math.max(step, Math.ceil(tallest / step) * step);
  const ticks: number[] = [];
  for (let tick = 0; tick <= top; tick += step) ticks.push(tick);
  return ticks;
}

export function dayTotals(days: Report['days'], channel: Channel | null): { day: string; counts: Record<MessageStatus, number>; total: number }[] {
  return days.map(({ day, channels }) => {
    const counts = Object.fromEntries(
      STACK_ORDER.map((s) => [s, channel ? channels[channel][s] : channels.email[s] + channels.sms[s]]),
    ) as Record<MessageStatus, number>;
    return { day, counts, total: STACK_ORDER.reduce((sum, s) => sum + counts[s], 0) };
  });
}

export interface DeliveryChartProps {
  days: Report['days'];
  channel: Channel | null;
}

export function DeliveryChart({ days, channel }: DeliveryChartProps): JSX.Element {
  const t = useT();
  const { formatDate, formatNumber } = useIntl();
  const theme = useTheme() as unknown as { colors: Record<string, string> };
  const colour = (status: MessageStatus): string => theme.colors?.[MESSAGE_STATUS_COLOURS[status].chart] ?? '#888';
  const rows = dayTotals(days, channel);
  const ticks = axisTicks(Math.max(0, ...rows.map((r) => r.total)));
  const max = ticks[ticks.length - 1];
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(rows.length, 1);
  const barW = Math.max(1, Math.min(28, slot * 0.7));
  const y = (value: number): number => PAD.top + plotH - (value / max) * plotH;
  // About six dates along the bottom, always including the first and the last.
  const labelEvery = Math.max(1, Math.ceil(rows.length / 6));
  const dayLabel = (day: string): string => formatDate(`${day}T12:00:00Z`, { day: 'numeric', month: 'short', timeZone: 'UTC' });
  const grandTotal = rows.reduce((sum, r) => sum + r.total, 0);
  const present = STACK_ORDER.filter((s) => rows.some((r) => r.counts[s] > 0));

  return (
    <Flex direction="column" alignItems="stretch" gap={3}>
      <Box width="100%">
        <svg
          viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
          width="100%"
          role="img"
          aria-label={t('reports.chart.label', { count: grandTotal, days: rows.length })}
          data-chart="deliverability"
          style={{ display: 'block', maxHeight: '32rem' }}
        >
          {ticks.map((tick) => (
            <g key={tick}>
              <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(tick)} y2={y(tick)} stroke={theme.colors?.neutral200 ?? '#ddd'} strokeWidth={1} />
              <text x={PAD.left - 6} y={y(tick) + 4} textAnchor="end" fontSize={11} fill={theme.colors?.neutral600 ?? '#666'}>
                {formatNumber(tick)}
              </text>
            </g>
          ))}
          {rows.map((row, i) => {
            const x = PAD.left + i * slot + (slot - barW) / 2;
            let top = PAD.top + plotH;
            const breakdown = STACK_ORDER.filter((s) => row.counts[s] > 0)
              .map((s) => `${t(messageStatusKey(s))}: ${formatNumber(row.counts[s])}`)
              .join(', ');
            return (
              <g key={row.day} data-day={row.day} data-total={row.total}>
                <title>{`${dayLabel(row.day)}: ${row.total === 0 ? t('reports.chart.none') : breakdown}`}</title>
                {/* A transparent full-height target, so a thin or empty day still shows its tooltip. */}
                <rect x={PAD.left + i * slot} y={PAD.top} width={slot} height={plotH} fill="transparent" />
                {STACK_ORDER.map((status) => {
                  const n = row.counts[status];
                  if (n === 0) return null;
                  const h = (n / max) * plotH;
                  top -= h;
                  return <rect key={status} x={x} y={top} width={barW} height={h} fill={colour(status)} data-status={status} />;
                })}
                {i % labelEvery === 0 || i === rows.length - 1 ? (
                  <text x={PAD.left + i * slot + slot / 2} y={HEIGHT - 8} textAnchor="middle" fontSize={11} fill={theme.colors?.neutral600 ?? '#666'}>
                    {dayLabel(row.day)}
                  </text>
                ) : null}
              </g>
            );
          })}
          <line x1={PAD.left} x2={WIDTH - PAD.right} y1={PAD.top + plotH} y2={PAD.top + plotH} stroke={theme.colors?.neutral500 ?? '#999'} strokeWidth={1} />
        </svg>
      </Box>
      <Flex gap={4} wrap="wrap" tag="ul" aria-label={t('reports.chart.legend')}>
        {(present.length ? present : STACK_ORDER).map((status) => (
          <Flex key={status} gap={2} tag="li">
            <Box width="1.2rem" height="1.2rem" hasRadius style={{ background: colour(status) }} aria-hidden />
            <Typography variant="pi" textColor="neutral700">
              {t(status === 'sent' ? 'reports.chart.sentAwaiting' : messageStatusKey(status))}
            </Typography>
          </Flex>
        ))}
      </Flex>
    </Flex>
  );
}
