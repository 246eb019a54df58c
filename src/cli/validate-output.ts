/**
 * What `orgguard validate --output json` prints: every problem and warning with its file, line,
 * object, field and message, for scripts and policy engines (conftest, OPA). The shape is a zod
 * schema, so docs/schemas/validate-output.schema.json is generated from the code that fills it
 * (`npm run generate`); docs/validate-json.md shows an example and a conftest policy.
 */
import { z } from "zod";

const problem = z
  .object({
    severity: z
      .enum(["error", "warning"])
      .describe("error: the manifest would be refused or cannot work; warning: valid, but likely wrong."),
    file: z.string().describe("The file, as given on the command line or found in a folder."),
    line: z.number().int().min(1).describe("The line of the field (of the document when field is empty)."),
    object: z
      .string()
      .describe("Kind/name of the object (<unparsable>, <none> or a foreign kind when there is none)."),
    field: z
      .string()
      .describe('The field\'s path as kubectl spells it (spec.targets[0].ouId); "" for the whole document.'),
    message: z.string().describe("What is wrong, in a sentence."),
  })
  .describe("One problem, located.");

const skipped = z
  .object({
    file: z.string(),
    line: z.number().int().min(1),
    object: z.string().describe("apiVersion/Kind name of the document that is not orgguard's."),
    message: z.string(),
  })
  .describe("A document skipped because it is not an orgguard kind (a ConfigMap, a Kustomization).");

export const validateOutput = z
  .object({
    valid: z
      .boolean()
      .describe("Whether validate succeeds (exit code 0): no error, and no warning with --strict."),
    summary: z
      .object({
        objects: z.number().int().min(0).describe("orgguard objects checked."),
        files: z.number().int().min(0).describe("Files read."),
        errors: z.number().int().min(0),
        warnings: z.number().int().min(0),
        skipped: z.number().int().min(0).describe("Documents of other kinds, skipped."),
      })
      .describe("The counts the text output's last line gives."),
    problems: z.array(problem).describe("Errors, then warnings, each in the order of files and lines."),
    skipped: z.array(skipped),
  })
  .describe("The result of orgguard validate --output json.");

export type ValidateOutput = z.infer<typeof validateOutput>;
export type ValidateProblem = z.infer<typeof problem>;

/** The JSON Schema of the output (docs/schemas/validate-output.schema.json). */
export function validateOutputJsonSchema(): string {
  return `${JSON.stringify(
    {
      ...z.toJSONSchema(validateOutput, { target: "draft-2020-12" }),
      title: "orgguard validate --output json",
    },
    null,
    2,
  )}\n`;
}
