import type { D1Binding } from "../../db/dialects/d1.ts";

declare global {
  namespace Cloudflare {
    interface Env {
      DB: D1Binding;
    }
  }
}
