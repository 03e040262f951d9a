import * as React from 'react';
import { Button, Dialog, Flex, Typography } from '@strapi/design-system';
import { Download, Upload } from '@strapi/icons';
import { useAuth, useNotification } from '@strapi/strapi/admin';
import { useCan } from '../permissions';
import { apiPath, errorMessage, query, useImportCsv, type ImportReport, type SuppressionParams } from '../utils/api';
import { useT } from '../utils/translations';

export interface CsvActionsProps {
  filters: Pick<SuppressionParams, 'q' | 'channel' | 'state'>;
}

/** Saves a text as a file, the way a browser saves a download. */
function save(text: string, name: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const link = Object.assign(document.createElement('a'), { href: url, download: name });
  link.click();
  URL.revokeObjectURL(url);
}

/**
 * The suppression list's CSV: "Export" downloads every row the page's filters select; "Import"
 * reads a CSV from another system, which the server applies in full or not at all, and shows its
 * report (with each refused line and why).
 */
export function CsvActions({ filters }: CsvActionsProps): JSX.Element {
  const t = useT();
  const can = useCan();
  const token = useAuth('Deliverability', (state) => state.token);
  const importCsv = useImportCsv();
  const { toggleNotification } = useNotification();
  const input = React.useRef<HTMLInputElement>(null);
  const [report, setReport] = React.useState<{ report: ImportReport | null; message: string | null } | null>(null);

  async function download(): Promise<void> {
    const backend = (window as unknown as { strapi?: { backendURL?: string } }).strapi?.backendURL ?? '';
    const path = apiPath(`/suppressions/export${query<SuppressionParams>(filters)}`);
    const response = await fetch(`${backend}${path}`, { headers: { Authorization: `Bearer ${token ?? ''}` } });
    if (!response.ok) return void toggleNotification({ type: 'danger', message: t('csv.exportFailed') });
    save(await response.text(), /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? 'suppressions.csv');
  }

  async function upload(file: File): Promise<void> {
    try {
      setReport({ report: await importCsv(await file.text()), message: null });
    } catch (error) {
      const details = (error as { details?: ImportReport } | null)?.details ?? null;
      setReport({ report: details, message: errorMessage(error) ?? t('csv.importFailed') });
    }
  }

  return (
    <Flex gap={2}>
      <Button variant="tertiary" startIcon={<Download />} onClick={() => void download()}>
        {t('csv.export')}
      </Button>
      {can.syncSuppressions ? (
        <>
          <Button variant="tertiary" startIcon={<Upload />} onClick={() => input.current?.click()}>
            {t('csv.import')}
          </Button>
          <input
            ref={input}
            type="file"
            accept=".csv,text/csv"
            hidden
            data-csv-import
            onChange={(event) => {
              const file = event.target.files?.[0];
              event.target.value = '';
              if (file) void upload(file);
            }}
          />
        </>
      ) : null}
      <Dialog.Root open={report !== null} onOpenChange={(open: boolean) => (!open ? setReport(null) : undefined)}>
        <Dialog.Content>
          <Dialog.Header>{t('csv.report.title')}</Dialog.Header>
          <Dialog.Body>
            <Flex direction="column" alignItems="stretch" gap={2} data-csv-report>
              {report?.message ? <Typography textColor="danger600">{report.message}</Typography> : null}
              {report?.report && report.report.refused.length === 0 ? (
                <Typography>
                  {t('csv.report.applied', {
                    rows: report.report.rows,
                    applied: report.report.applied,
                    already: report.report.alreadyImported,
                  })}
                </Typography>
              ) : null}
              {report?.report?.refused.map((r) => (
                <Typography key={`${r.line}:${r.reason}`} variant="pi">
                  {t('csv.report.refused', { line: r.line, reason: r.reason })}
                </Typography>
              ))}
            </Flex>
          </Dialog.Body>
          <Dialog.Footer>
            <Dialog.Cancel>
              <Button fullWidth variant="tertiary">
                {t('common.close')}
              </Button>
            </Dialog.Cancel>
          </Dialog.Footer>
        </Dialog.Content>
      </Dialog.Root>
    </Flex>
  );
}
