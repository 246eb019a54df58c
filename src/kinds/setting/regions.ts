/** The `regions` field every regional setting has, standalone and in AccountBaseline. */
import { z } from "zod";

/** An AWS region name: us-east-1, eu-central-2, us-gov-west-1. */
export const regionName = z
  .string()
  .regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, "must be a region name such as us-east-1")
  .describe("An AWS region, for example eu-west-1.");

export const regionList = z
  .array(regionName)
  .min(1)
  .max(50)
  .meta({ "x-kubernetes-list-type": "set" })
  .describe(
    "The regions to keep the setting in. Absent: every region enabled in the account (Account Management ListRegions; where that cannot be read, the controller's --default-regions, and status.regionsFrom says so).",
  );
