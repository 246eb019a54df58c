import type { z } from "zod";

/** An additionalPrinterColumn of a CRD: what `kubectl get` shows. */
export interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  jsonPath: string;
  description?: string;
  priority?: number;
}

/** Everything the API layer knows about one kind: names, schemas and how kubectl shows it. */
export interface KindDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  /** What `kubectl explain <kind>` prints at the top. */
  description: string;
  spec: z.ZodType;
  status: z.ZodType;
  /** Kind-specific columns; READY, SYNCED and AGE are added for every kind. */
  printerColumns: PrinterColumn[];
}
