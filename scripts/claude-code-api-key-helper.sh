#!/bin/sh
# Claude Code `apiKeyHelper` for OAuth2 tenants of claude-compliance-gateway: prints a Cognito access token obtained
# with the client-credentials grant. Claude Code runs it with /bin/sh, sends what it prints as `x-api-key` and
# `Authorization: Bearer`, and runs it again after CLAUDE_CODE_API_KEY_HELPER_TTL_MS (default 5 min) or on a 401
# (https://code.claude.com/docs/en/settings, apiKeyHelper). Cognito tokens last an hour: set the TTL to 50 minutes
# (3000000) so each token is fetched once and used while valid; nothing is cached on disk.
#
# Settings (environment, e.g. the `env` block of managed-settings.json):
#   GATEWAY_TOKEN_ENDPOINT            the stack output TokenEndpoint: https://<prefix>.auth.<region>.amazoncognito.com/oauth2/token
#   GATEWAY_OAUTH_CLIENT_ID           the tenant's app client id
#   GATEWAY_OAUTH_CLIENT_SECRET_FILE  a file (mode 0600) holding the client secret; or GATEWAY_OAUTH_CLIENT_SECRET
#   GATEWAY_OAUTH_SCOPE               default gateway/invoke
# Needs curl. The secret goes to curl on stdin, never on a command line (visible to `ps`), and is never printed.
set -eu

fail() {
  echo "claude-code-api-key-helper: $*" >&2
  exit 1
}

endpoint=${GATEWAY_TOKEN_ENDPOINT:-}
client_id=${GATEWAY_OAUTH_CLIENT_ID:-}
scope=${GATEWAY_OAUTH_SCOPE:-gateway/invoke}
[ -n "$endpoint" ] || fail "GATEWAY_TOKEN_ENDPOINT is not set (the stack output TokenEndpoint)"
[ -n "$client_id" ] || fail "GATEWAY_OAUTH_CLIENT_ID is not set"
case $endpoint in
  https://* | http://127.0.0.1:* | http://localhost:*) ;;
  *) fail "GATEWAY_TOKEN_ENDPOINT must be an https URL, got $endpoint" ;;
esac

if [ -n "${GATEWAY_OAUTH_CLIENT_SECRET_FILE:-}" ]; then
  [ -r "$GATEWAY_OAUTH_CLIENT_SECRET_FILE" ] || fail "cannot read GATEWAY_OAUTH_CLIENT_SECRET_FILE"
  client_secret=$(tr -d '\r\n' <"$GATEWAY_OAUTH_CLIENT_SECRET_FILE")
else
  client_secret=${GATEWAY_OAUTH_CLIENT_SECRET:-}
fi
[ -n "$client_secret" ] || fail "no client secret: set GATEWAY_OAUTH_CLIENT_SECRET_FILE or GATEWAY_OAUTH_CLIENT_SECRET"
case $client_id$client_secret in
  *'"'* | *'\\'*) fail "client id or secret holds a quote or backslash" ;;
esac
command -v curl >/dev/null 2>&1 || fail "curl is required"

# HTTP Basic with the client id and secret, form body with the grant and scope, as Cognito's token endpoint expects.
body=$(printf 'user = "%s:%s"\n' "$client_id" "$client_secret" |
  curl --silent --show-error --config - --max-time 10 \
    --request POST --header 'Content-Type: application/x-www-form-urlencoded' \
    --data-urlencode 'grant_type=client_credentials' --data-urlencode "scope=$scope" \
    --write-out '\n%{http_code}' "$endpoint") || fail "token endpoint not reachable: $endpoint"
status=$(printf '%s\n' "$body" | tail -n 1)
json=$(printf '%s\n' "$body" | sed '$d')
if [ "$status" != 200 ]; then
  # Cognito answers e.g. {"error":"invalid_client"}: show the error code only.
  code=$(printf '%s' "$json" | sed -n 's/.*"error"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
  fail "token endpoint answered HTTP $status${code:+ ($code)}"
fi
token=$(printf '%s' "$json" | sed -n 's/.*"access_token"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
[ -n "$token" ] || fail "token endpoint answered without an access_token"
printf '%s\n' "$token"
