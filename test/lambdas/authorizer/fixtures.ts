/**
 * Test fixtures for the authorizer: API Gateway REQUEST events, and a Cognito stand-in: a locally generated RSA key, its JWKS (loaded into aws-jwt-verify's cache, so no
 * network), and RS256 access tokens shaped like Cognito's client-credentials tokens.
 */
import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Jwks } from 'aws-jwt-verify/jwk';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';

export const USER_POOL_ID = 'ap-south-1_TestPool1';
export const ISSUER = `https://cognito-idp.ap-south-1.amazonaws.com/${USER_POOL_ID}`;
export const KID = 'test-key-1';

export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly jwks: Jwks;
}

export function signingKey(kid = KID): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  return {
    privateKey,
    jwks: { keys: [{ kty: 'RSA', n: String(jwk.n), e: String(jwk.e), kid, alg: 'RS256', use: 'sig' }] },
  };
}

const base64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

/** A Cognito-style access token; `claims` override the defaults (valid for an hour, scope gateway/invoke). */
export function accessToken(
  key: SigningKey,
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    sub: 'client-globex',
    token_use: 'access',
    scope: 'gateway/invoke',
    auth_time: now,
    iss: ISSUER,
    exp: now + 3600,
    iat: now,
    version: 2,
    jti: 'b2e9c6a0-0000-4000-8000-000000000001',
    client_id: 'client-globex',
    ...claims,
  };
  const signingInput = `${base64url(JSON.stringify({ kid: KID, alg: 'RS256', ...header }))}.${base64url(JSON.stringify(payload))}`;
  const signature = createSign('RSA-SHA256').update(signingInput).sign(key.privateKey);
  return `${signingInput}.${base64url(signature)}`;
}

export const METHOD_ARN = 'arn:aws:execute-api:ap-south-1:111122223333:abcdef1234/prod/POST/v1/messages';

/** API Gateway's `$context.requestId` of a request: a UUID. */
export const REQUEST_ID = '3f1c2b7e-9a4d-4c1e-8b2f-6d5e4c3b2a10';

/**
 * A REQUEST authorizer event as API Gateway sends it for `POST /v1/messages` (headers as the client sent them).
 * `requestId` fills `requestContext.requestId` (the only request-context field the authorizer reads); by default
 * the request context is empty.
 */
export function authorizerEvent(
  headers: Record<string, string>,
  methodArn = METHOD_ARN,
  requestId?: string,
  resource = '/v1/messages',
): APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn,
    resource,
    path: resource,
    httpMethod: 'POST',
    headers,
    multiValueHeaders: null,
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: (requestId === undefined
      ? {}
      : { requestId }) as APIGatewayRequestAuthorizerEvent['requestContext'],
  };
}
