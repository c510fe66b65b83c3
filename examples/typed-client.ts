/**
 * A typed client of the ledger: openapi-fetch over the types openapi-typescript generated from the
 * service's own OpenAPI document (`npm run client:generate` writes examples/openapi.json and
 * examples/api.d.ts; a test keeps both current). A member records a contract, a second operator
 * registers it, and the public progress is read. CI type-checks this file and runs it against a
 * started service:
 *
 *   LEDGER_OPERATOR_KEY=tml.… LEDGER_SECOND_OPERATOR_KEY=tml.… npx tsx examples/typed-client.ts
 *
 * (two keys from `npm run cli -- create-operator`: whoever issues a member's key cannot also
 * register that member's contracts alone).
 */
import createClient from "openapi-fetch";
import type { paths } from "./api.d.ts";

const baseUrl = process.env.URL ?? "http://localhost:3000";
const ledger = createClient<paths>({ baseUrl });

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name} (a key from npm run cli -- create-operator)`);
  return value;
}

/** Every answer is typed; a problem (4xx/5xx) is `error`, a problem+json body. */
function ok<T>(answer: { data?: T; error?: unknown; response: Response }, what: string): T {
  if (answer.data === undefined) {
    throw new Error(`${what}: ${answer.response.status} ${JSON.stringify(answer.error)}`);
  }
  return answer.data;
}

async function tokenFor(apiKey: string) {
  const token = ok(await ledger.POST("/v1/auth/token", { body: { apiKey } }), "token");
  return { headers: { authorization: `Bearer ${token.accessToken}` } };
}

const operator = await tokenFor(required("LEDGER_OPERATOR_KEY"));
const secondOperator = await tokenFor(required("LEDGER_SECOND_OPERATOR_KEY"));

const suffix = Date.now() % 1_000_000;
const member = ok(
  await ledger.POST("/v1/organizations", {
    ...operator,
    body: {
      name: `西藏农牧学院 ${suffix}`,
      kind: "university",
      creditCode: "12540400MB0000002T",
      regionCode: "540402",
    },
  }),
  "create the member",
);
const memberKey = ok(
  await ledger.POST("/v1/organizations/{id}/api-keys", {
    ...operator,
    params: { path: { id: member.id } },
    body: { holder: "Technology transfer office" },
  }),
  "issue the member's key",
);
if (!memberKey.apiKey) throw new Error("a new key is shown once, in the answer that creates it");
const asMember = await tokenFor(memberKey.apiKey);

const recorded = ok(
  await ledger.POST("/v1/contracts", {
    ...asMember,
    params: { header: { "idempotency-key": `typed-client-${suffix}` } },
    body: {
      title: "牦牛乳制品低温发酵技术转让",
      contractNumber: `NMXY-${suffix}`,
      type: "transfer",
      subType: "patent_right",
      seller: { organizationId: member.id },
      buyer: {
        name: "那曲高原乳业有限公司",
        creditCode: "91542400MA6T0EQ08L",
        kind: "enterprise",
        regionCode: "540602",
      },
      signedOn: "2026-11-02",
      validFrom: "2026-11-02",
      validTo: "2031-11-01",
      totalAmount: "860000",
      technologyAmount: "860000",
      techField: "agriculture",
      ipType: "patent",
    },
  }),
  "record the contract",
);
const registered = ok(
  await ledger.POST("/v1/contracts/{id}/decisions", {
    ...secondOperator,
    params: { path: { id: recorded.id } },
    body: { decision: "register" },
  }),
  "register the contract",
);
const progress = ok(await ledger.GET("/v1/statistics/progress", {}), "read the progress");
console.log(
  JSON.stringify({
    contract: recorded.id,
    status: registered.status,
    registrationNumber: registered.registrationNumber,
    goal: progress.goal.name,
  }),
);
