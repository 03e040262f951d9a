import * as strapiAdmin from '@strapi/strapi/admin';
import type { unstable_useDocumentLayout as UseDocumentLayout } from '@strapi/content-manager/strapi-admin';
import { isTracked } from './tracked';

/**
 * The Content Manager's own layout hook, which `@strapi/strapi/admin` re-exports at run time; its
 * type comes from the Content Manager (a type-only import, so no second copy is bundled).
 */
const useDocumentLayout = (strapiAdmin as unknown as { unstable_useDocumentLayout: typeof UseDocumentLayout }).unstable_useDocumentLayout;

/** Whether the edit view's content type is a contact the plugin tracks (its schema says so). */
export function useIsTrackedModel(model: string): boolean {
  const { edit } = useDocumentLayout(model);
  return isTracked(edit);
}
