/**
 * The fields of "no default VPC": none of its own. The regions (and, in a baseline, the management
 * policy) say where and how; there is nothing to tune about a VPC that should not be there.
 */
import { z } from "zod";

export const noDefaultVpcFields = {};

export type NoDefaultVpcFields = z.output<z.ZodObject<typeof noDefaultVpcFields>>;

/** Status stays small whatever a VPC holds: lists are capped, counts are exact. */
export const MAX_LISTED = 5;

export const observedDefaultVpc = z
  .object({
    defaultVpcs: z.number().int().min(0).max(1).describe("Default VPCs in the region (AWS allows one)."),
    vpcId: z.string().optional().describe("The default VPC."),
    cidrBlock: z.string().optional().describe("Its IPv4 range (172.31.0.0/16 as AWS makes it)."),
    subnets: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("Its subnets (one per Availability Zone as AWS makes them)."),
    internetGateways: z
      .array(z.string())
      .max(MAX_LISTED)
      .optional()
      .describe("The internet gateways attached to it (AWS attaches one)."),
    networkInterfaces: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe(
        "Network interfaces in it: anything running there (instances, endpoints, load balancers, Lambda in the VPC). Any keeps the VPC.",
      ),
    networkInterfaceIds: z
      .array(z.string())
      .max(MAX_LISTED)
      .optional()
      .describe(`Up to ${MAX_LISTED} of them, with what they belong to.`),
  })
  .describe("The default VPC of one region, as EC2 reports it.");
