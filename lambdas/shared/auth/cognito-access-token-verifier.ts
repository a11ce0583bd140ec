/**
 * AccessTokenVerifier adapter on aws-jwt-verify (maintained by AWS Labs): verifies Cognito access tokens against
 * the user pool's JWKS (fetched once and cached), issuer, `token_use: access`, the allowed client ids, the scope
 * and expiry.
 */
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import {
  CognitoJwtInvalidClientIdError,
  CognitoJwtInvalidTokenUseError,
  FetchError,
  JwksNotAvailableInCacheError,
  JwtExpiredError,
  JwtInvalidClaimError,
  JwtInvalidIssuerError,
  JwtInvalidScopeError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  KidNotFoundInJwksError,
} from 'aws-jwt-verify/error';
import type { Jwks } from 'aws-jwt-verify/jwk';
import { AccessTokenRejectedError, type AccessTokenRejection, type AccessTokenVerifier } from './access-token';

export interface CognitoAccessTokenVerifierOptions {
  /** e.g. `ap-south-1_AbCdEfGhI`; the issuer is derived from it. */
  readonly userPoolId: string;
  /** App client ids whose tokens are accepted (one per OAuth2 tenant). */
  readonly clientIds: readonly string[];
  /** Scope the token must carry, e.g. `gateway/invoke`. */
  readonly scope: string;
  /**
   * Clock skew tolerated on `exp`/`nbf`, in seconds.
   * @default 0
   */
  readonly graceSeconds?: number;
}

/** Claim failures that aws-jwt-verify raises only after the signature checked out. */
const SIGNED_CLAIM_ERRORS = [JwtExpiredError, JwtNotBeforeError, JwtInvalidScopeError, CognitoJwtInvalidTokenUseError];

export class CognitoAccessTokenVerifier implements AccessTokenVerifier {
  private readonly verifier;

  constructor(options: CognitoAccessTokenVerifierOptions) {
    if (options.clientIds.length === 0) {
      throw new Error('CognitoAccessTokenVerifier: at least one client id is required');
    }
    this.verifier = CognitoJwtVerifier.create({
      userPoolId: options.userPoolId,
      tokenUse: 'access',
      clientId: [...options.clientIds],
      scope: options.scope,
      graceSeconds: options.graceSeconds ?? 0,
      // aws-jwt-verify attaches the decoded token to claim errors only when its signature verified: that is what
      // lets an expired token name its (known) client in logs without trusting forged claims.
      includeRawJwtInErrors: true,
    });
  }

  /** Preloads the JWKS (tests; or to avoid the first fetch). */
  cacheJwks(jwks: Jwks): void {
    this.verifier.cacheJwks(jwks);
  }

  async verify(token: string) {
    try {
      const payload = await this.verifier.verify(token);
      const clientId = payload.client_id;
      if (typeof clientId !== 'string' || clientId === '') throw new AccessTokenRejectedError('wrong_client');
      return { clientId };
    } catch (error) {
      if (error instanceof AccessTokenRejectedError) throw error;
      throw new AccessTokenRejectedError(rejectionOf(error), signedClientId(error));
    }
  }
}

function signedClientId(error: unknown): string | undefined {
  if (!(error instanceof JwtInvalidClaimError)) return undefined;
  if (!SIGNED_CLAIM_ERRORS.some((type) => error instanceof type)) return undefined;
  const clientId = error.rawJwt?.payload.client_id;
  return typeof clientId === 'string' && clientId !== '' ? clientId : undefined;
}

function rejectionOf(error: unknown): AccessTokenRejection {
  if (error instanceof JwtExpiredError) return 'expired';
  if (error instanceof JwtNotBeforeError) return 'not_yet_valid';
  if (error instanceof JwtInvalidScopeError) return 'missing_scope';
  if (error instanceof CognitoJwtInvalidTokenUseError) return 'wrong_token_use';
  if (error instanceof CognitoJwtInvalidClientIdError) return 'wrong_client';
  if (error instanceof JwtInvalidIssuerError) return 'wrong_issuer';
  if (
    error instanceof JwtInvalidSignatureError ||
    error instanceof JwtInvalidSignatureAlgorithmError ||
    error instanceof KidNotFoundInJwksError
  ) {
    return 'bad_signature';
  }
  if (error instanceof JwtParseError) return 'malformed';
  if (error instanceof FetchError || error instanceof JwksNotAvailableInCacheError) return 'keys_unavailable';
  return 'invalid';
}
