/** The caller as established by authentication (the authorizer in AWS, in-process locally). */
export interface CallerIdentity {
  readonly tenantId: string;
  /** API key id or OAuth2 client id: never the secret itself. */
  readonly principal: string;
}
