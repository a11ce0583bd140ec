/** Gateway request ids: `req_` + 24 URL-safe random characters (144 bits), matching REQUEST_ID_PATTERN. */
import { randomBytes } from 'node:crypto';

export function newRequestId(): string {
  return `req_${randomBytes(18).toString('base64url')}`;
}
