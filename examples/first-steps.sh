#!/usr/bin/env bash
# The README's first steps, exactly as README.md shows them (a test checks they match), against a
# started service (npm start) on its database: CI runs this, so the README cannot drift from the
# API. Needs curl and node. Run it on a new ledger (a second run finds the member already there).
set -euo pipefail
cd "$(dirname "$0")/.."
URL=${URL:-http://localhost:3000}
# >>> first steps
json() { node -pe "JSON.parse(require('fs').readFileSync(0, 'utf8'))$1"; }
token() { curl -sf "$URL/v1/auth/token" -H 'content-type: application/json' -d "{\"apiKey\": \"$1\"}" | json .accessToken; }

# Two operators (each key is printed once: keep it). Large contracts need two, and whoever
# issued a member's key cannot register that member's contracts alone.
DAWA_KEY=$(npm run -s cli -- create-operator --name "Dawa" | json .apiKey)
PEMA_KEY=$(npm run -s cli -- create-operator --name "Pema" | json .apiKey)
TOKEN=$(token "$DAWA_KEY")

# An operator registers a member and issues it a key (shown once).
ORG_ID=$(curl -sf "$URL/v1/organizations" -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
  -d '{"name": "西藏大学", "kind": "university", "creditCode": "12540100MB00000018", "regionCode": "540102"}' | json .id)
MEMBER_KEY=$(curl -sf "$URL/v1/organizations/$ORG_ID/api-keys" -H "authorization: Bearer $TOKEN" \
  -H 'content-type: application/json' -d '{"holder": "Technology transfer office"}' | json .apiKey)
MEMBER_TOKEN=$(token "$MEMBER_KEY")

# The member records a contract it sells (examples/contract.json; retry-safe with Idempotency-Key),
# and the other operator registers it.
TC_ID=$(sed "s/ORG_ID/$ORG_ID/" examples/contract.json | curl -sf "$URL/v1/contracts" \
  -H "authorization: Bearer $MEMBER_TOKEN" -H 'idempotency-key: tc-001' -H 'content-type: application/json' -d @- |
  json .id)
curl -sf "$URL/v1/contracts/$TC_ID/decisions" -H "authorization: Bearer $(token "$PEMA_KEY")" \
  -H 'content-type: application/json' -d '{"decision": "register"}' | json '.registrationNumber'

curl -sf "$URL/v1/statistics/progress"                                  # public
curl -sf "$URL/v1/statistics/contracts?groupBy=year,type"               # public
curl -sf "$URL/v1/statistics/contracts?groupBy=year,type" -H 'accept: text/csv'   # for Excel
curl -sf "$URL/v1/audit/verification" -H "authorization: Bearer $TOKEN"   # operators: { "ok": true, ... }
npm run -s cli -- verify   # the same check from the command line, exit 1 if it fails
# <<< first steps
