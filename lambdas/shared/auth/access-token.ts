/**
 * Port for OAuth2 access-token verification (Cognito client-credentials tokens in AWS). The authorizer depends on
 * this interface only; the aws-jwt-verify adapter lives in cognito-access-token-verifier.ts.
 */

/** A verified access token: signature, issuer, expiry, token use, client and scope all checked. */
export interface VerifiedAccessToken {
  /** The OAuth2 client the token was issued to (`client_id` claim). */
  readonly clientId: string;
}

/** Why a token was refused; short, stable codes that are safe to log. */
export type AccessTokenRejection =
  | 'malformed'
  | 'bad_signature'
  | 'wrong_issuer'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_token_use'
  | 'wrong_client'
  | 'missing_scope'
  | 'keys_unavailable'
  | 'invalid';

/**
 * A refused token. `clientId` is set only when the token's signature was verified (e.g. a correctly signed but
 * expired token), so it can be trusted to name a known client in logs; forged tokens never set it.
 */
export class AccessTokenRejectedError extends Error {
  override readonly name = 'AccessTokenRejectedError';
  constructor(
    readonly reason: AccessTokenRejection,
    readonly clientId?: string,
  ) {
    super(`access token rejected: ${reason}`);
  }
}

export interface AccessTokenVerifier {
  /** @throws AccessTokenRejectedError when the token is not acceptable. */
  verify(token: string): Promise<VerifiedAccessToken>;
}
