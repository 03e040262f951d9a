import { List } from '@strapi/icons';
import type { DocumentActionComponent, DocumentActionProps } from '@strapi/content-manager/strapi-admin';
import { useNavigate } from 'react-router-dom';
import { useIsTrackedModel } from '../badges/useTrackedModel';
import { useCan } from '../permissions';
import { CONTACT_UID, PLUGIN_PATH } from '../pluginId';
import { useT } from '../utils/translations';

/** The Full Logs page of a contact. */
export function fullLogsPath(model: string, documentId: string): string {
  const base = `${PLUGIN_PATH}/contacts/${encodeURIComponent(documentId)}/logs`;
  return model === CONTACT_UID ? base : `${base}?type=${encodeURIComponent(model)}`;
}

/**
 * "Full Logs" in the edit view's menu and in each row's menu of the list: opens the student's
 * whole delivery history. Only on tracked contact types, for users who may read logs.
 */
export const FullLogsAction: DocumentActionComponent = ({ model, documentId }: DocumentActionProps) => {
  const t = useT();
  const navigate = useNavigate();
  const can = useCan();
  const tracked = useIsTrackedModel(model);
  if (!tracked || !documentId || !can.readLogs) return null;
  return {
    label: t('fullLogs.action'),
    icon: <List />,
    position: ['header', 'table-row'],
    onClick: () => {
      navigate(fullLogsPath(model, documentId));
    },
  };
};
FullLogsAction.position = ['header', 'table-row'];
