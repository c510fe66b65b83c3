import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { registerCatalogue } from "./achievements/catalogue.ts";
import { registerCorrectAchievement } from "./achievements/correct-achievement.ts";
import { registerDecideAchievement } from "./achievements/decide-achievement.ts";
import { registerGetAchievement } from "./achievements/get-achievement.ts";
import { registerRecordAchievement } from "./achievements/record-achievement.ts";
import { registerWithdrawAchievement } from "./achievements/withdraw-achievement.ts";
import { registerAudit } from "./audit/audit-events.ts";
import { registerIssueToken, registerJwks } from "./auth/issue-token.ts";
import { registerBulletins } from "./bulletins/bulletins.ts";
import { registerBootstrap } from "./operations/bootstrap.ts";
import { registerDashboard } from "./operations/dashboard.ts";
import { registerDocs } from "./operations/docs.ts";
import { registerHealth } from "./operations/health.ts";
import { registerMetrics } from "./operations/metrics.ts";
import { registerCreateApiKey } from "./organizations/create-api-key.ts";
import { registerCreateOrganization } from "./organizations/create-organization.ts";
import { registerGetOrganization } from "./organizations/get-organization.ts";
import { registerRevokeApiKey } from "./organizations/revoke-api-key.ts";
import { registerChangePledge } from "./pledges/change-pledge.ts";
import { registerDecidePledge } from "./pledges/decide-pledge.ts";
import { registerGetPledge, registerListPledges, registerLookupRight } from "./pledges/read-pledges.ts";
import { registerRecordPledge } from "./pledges/record-pledge.ts";
import { registerReleasePledge } from "./pledges/release-pledge.ts";
import { registerAchievementStatistics } from "./statistics/achievement-statistics.ts";
import { registerBreakdown } from "./statistics/breakdown.ts";
import { registerGoals } from "./statistics/goals.ts";
import { registerPledgeStatistics } from "./statistics/pledge-statistics.ts";
import { registerProgress } from "./statistics/progress.ts";
import { registerCorrectContract } from "./tech-contracts/correct-contract.ts";
import { registerDecideContract } from "./tech-contracts/decide-contract.ts";
import { registerEndContract } from "./tech-contracts/end-contract.ts";
import { registerGetContract } from "./tech-contracts/get-contract.ts";
import { registerListContracts } from "./tech-contracts/list-contracts.ts";
import { registerRecordContract } from "./tech-contracts/record-contract.ts";

/** The whole API at a glance, by area. */
export function registerRoutes(app: OpenAPIHono<AppEnv>) {
  // Auth
  registerIssueToken(app);
  registerBootstrap(app);
  registerJwks(app);

  // Organisations and keys
  registerCreateOrganization(app);
  registerGetOrganization(app);
  registerCreateApiKey(app);
  registerRevokeApiKey(app);

  // Technology contracts
  registerRecordContract(app);
  registerListContracts(app);
  registerGetContract(app);
  registerCorrectContract(app);
  registerDecideContract(app);
  registerEndContract(app);

  // Technology achievements
  registerRecordAchievement(app);
  registerCatalogue(app);
  registerGetAchievement(app);
  registerCorrectAchievement(app);
  registerDecideAchievement(app);
  registerWithdrawAchievement(app);

  // IP pledges (the right lookup before /{id}: both are GETs under /v1/pledges)
  registerRecordPledge(app);
  registerListPledges(app);
  registerLookupRight(app);
  registerGetPledge(app);
  registerDecidePledge(app);
  registerChangePledge(app);
  registerReleasePledge(app);

  // Goals and statistics
  registerGoals(app);
  registerProgress(app);
  registerBreakdown(app);
  registerAchievementStatistics(app);
  registerPledgeStatistics(app);

  // Statistics bulletins
  registerBulletins(app);

  // Audit
  registerAudit(app);

  // Operations
  registerHealth(app);
  registerMetrics(app);
  registerDocs(app);
  registerDashboard(app);
}
