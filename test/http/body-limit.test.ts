import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../../src/http/create-app.ts";
import { countRows, createTestApp, givenOperator } from "../support/app.ts";

/**
 * Over a real socket, as @hono/node-server serves it: a declared length is judged by the header
 * (the body then never streams through a web Request), a chunked body is counted as it arrives.
 */
describe("request body limit over HTTP", () => {
  let close: (() => void) | undefined;
  afterEach(() => close?.());

  async function listen() {
    const t = await createTestApp();
    const operator = await givenOperator(t);
    const server = serve({ fetch: t.app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise((resolve) => server.once("listening", resolve));
    close = () => server.close();
    const { port } = server.address() as AddressInfo;
    return { t, operator, port };
  }

  function post(port: number, token: string, body: string, chunked: boolean) {
    return new Promise<{ status: number; json: any }>((resolve, reject) => {
      const headers: Record<string, string | number> = {
        "content-type": "application/json",
        authorization: `Bearer ${token}`,
      };
      if (chunked) headers["transfer-encoding"] = "chunked";
      else headers["content-length"] = Buffer.byteLength(body);
      const req = request({ host: "127.0.0.1", port, method: "POST", path: "/v1/organizations", headers }, (res) => {
        let text = "";
        res.on("data", (chunk) => {
          text += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
      });
      // The server may answer and close before a refused body is all sent.
      req.on("error", reject);
      if (chunked) for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.slice(i, i + 64 * 1024));
      else req.write(body);
      req.end();
    });
  }

  const organization = (name: string) =>
    JSON.stringify({ name, kind: "university", creditCode: "91350100M000100Y43", regionCode: "540102" });

  for (const chunked of [false, true]) {
    const how = chunked ? "chunked" : "with Content-Length";
    it(`a body over 1 MiB sent ${how} is a 413 and writes nothing`, async () => {
      const { t, operator, port } = await listen();
      const before = await countRows(t, "organizations");
      const response = await post(port, operator.token, organization("x".repeat(MAX_BODY_BYTES + 1)), chunked);
      expect(response.status).toBe(413);
      expect(response.json.type).toContain("payload-too-large");
      expect(await countRows(t, "organizations")).toBe(before);
    });

    it(`a body within the limit sent ${how} is read`, async () => {
      const { t, operator, port } = await listen();
      const response = await post(port, operator.token, organization("Tibet University"), chunked);
      expect(response.status).toBe(201);
      expect(response.json.name).toBe("Tibet University");
      expect(await countRows(t, "organizations")).toBe(2);
    });
  }
});
