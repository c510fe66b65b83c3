import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { openApiDocument } from "../../src/runtime/openapi-document.ts";
import { createTestApp } from "../support/app.ts";

type Json = Record<string, any>;

/** The zod schema inside optional, nullable, default and pipe wrappers: where a field's rules are. */
function unwrap(schema: z.ZodType): z.ZodType {
  const def = (schema as any)._zod.def;
  if (["optional", "nullable", "default", "prefault", "readonly"].includes(def.type)) return unwrap(def.innerType);
  if (def.type === "pipe") return unwrap(def.in);
  return schema;
}

/**
 * Every example the document shows for a request's field is one the API accepts: each is parsed
 * with that field's own zod schema (its check characters and refinements included, which JSON
 * Schema cannot express; the linter checks the rest).
 */
describe("the OpenAPI document's request examples", () => {
  it("are accepted by the rules of their own fields", async () => {
    const t = await createTestApp();
    const document = (await openApiDocument()) as Json;
    const resolve = (schema: Json): Json =>
      schema?.$ref ? resolve(document.components.schemas[schema.$ref.split("/").at(-1)]) : schema;
    const checked: string[] = [];
    const wrong: string[] = [];
    const walk = (zod: z.ZodType, doc: Json, where: string) => {
      const field = unwrap(zod);
      const schema = resolve(doc);
      if (!schema) return;
      for (const example of [schema.example, ...(schema.examples ?? [])].filter((e) => e !== undefined)) {
        checked.push(where);
        const parsed = field.safeParse(example);
        if (!parsed.success) wrong.push(`${where}: ${JSON.stringify(example)}: ${parsed.error.issues[0]?.message}`);
      }
      const def = (field as any)._zod.def;
      if (def.type === "object") {
        for (const [key, inner] of Object.entries<z.ZodType>(def.shape)) {
          if (schema.properties?.[key]) walk(inner, schema.properties[key], `${where}.${key}`);
        }
      }
      if (def.type === "array" && schema.items) walk(def.element, schema.items, `${where}[]`);
    };
    for (const definition of t.app.openAPIRegistry.definitions) {
      if (definition.type !== "route") continue;
      const { method, path, request } = definition.route;
      const operation = document.paths[path.replace(/:(\w+)/g, "{$1}")]?.[method];
      const body = (request?.body?.content as Json | undefined)?.["application/json"]?.schema;
      if (body) walk(body, operation.requestBody.content["application/json"].schema, `${method} ${path} body`);
      for (const [part, zod] of Object.entries<z.ZodType | undefined>({
        query: request?.query,
        path: request?.params,
      })) {
        const shape = zod ? (unwrap(zod) as any)._zod.def.shape : {};
        for (const [name, inner] of Object.entries<z.ZodType>(shape ?? {})) {
          const parameter = (operation.parameters ?? []).find((p: Json) => p.name === name && p.in === part);
          if (parameter?.example !== undefined) {
            checked.push(`${method} ${path} ${name}`);
            if (!unwrap(inner).safeParse(parameter.example).success)
              wrong.push(`${method} ${path} ${part} ${name}: ${JSON.stringify(parameter.example)}`);
          }
          if (parameter?.schema) walk(inner, parameter.schema, `${method} ${path} ${part} ${name}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(checked.length).toBeGreaterThan(20);
    expect(checked.some((where) => where.endsWith(".creditCode"))).toBe(true);
  });
});
