/**
 * An error the admin API answers with its own status and message (a missing reason is a 400, an
 * unknown address a 404), instead of Strapi's generic 500. Services throw it; the admin
 * controllers turn it into the response.
 */
export class AdminApiError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409 | 410 | 429 | 501,
    message: string,
  ) {
    super(message);
    this.name = 'AdminApiError';
  }
}
