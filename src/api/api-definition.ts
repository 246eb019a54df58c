import type { z } from "zod";
import type { CrossFieldRule } from "./common.js";
import type { Problem } from "./problems.js";

/** A rule over a whole object: its name (what a spec field may default to) and its spec. */
export type ObjectRule = CrossFieldRule<{ metadata: { name: string }; spec: Record<string, unknown> }>;

/** An additionalPrinterColumn of a CRD: what `kubectl get` shows. */
export interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  jsonPath: string;
  description?: string;
  priority?: number;
}

/** Options of the checks beyond the schema (limits AWS changes: configurable). */
export interface CheckOptions {
  /** Document size limits by Organizations policy type id (`scp`, `tag`, ...); absent: AWS's. */
  sizeLimits?: Readonly<Record<string, number>>;
}

/** Everything the API layer knows about one kind: names, schemas and how kubectl shows it. */
export interface ApiDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  /** What `kubectl explain <kind>` prints at the top. */
  description: string;
  spec: z.ZodType;
  status: z.ZodType;
  /** Kind-specific columns; READY, REASON, SYNCED and AGE are added for every kind. */
  printerColumns: PrinterColumn[];
  /**
   * Rules over the whole object (`self` is the object: metadata.name and spec), for what the spec
   * alone cannot say: in the CRD's root as CEL, and in TypeScript for validate.
   */
  objectRules?: ObjectRule[];
  /**
   * What the schema (and so the apiserver) cannot check, in TypeScript: problems with their paths
   * (`spec.document.Statement[0].Action`). Used by validate, plan and the controller alike.
   */
  check?(spec: Record<string, unknown>, options: CheckOptions): Problem[];
  /** Warnings for a valid spec: what is allowed but probably not what was meant (orgguard validate). */
  lint?(spec: Record<string, unknown>, options: LintOptions): Problem[];
}

/** What lint may know beyond the manifest. */
export interface LintOptions {
  /** The organization's management account, when known (SCPs aimed at it have no effect). */
  managementAccountId?: string;
}
