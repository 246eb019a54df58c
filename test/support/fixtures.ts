import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

/** An invalid manifest from test/fixtures/invalid, with what its header comment says about it. */
export interface InvalidFixture {
  file: string;
  reason: string;
  /** The field the problem must be reported at ("" for the whole document). */
  field: string;
  /** Whether the apiserver's schema or CEL can reject it too, or only orgguard validate. */
  rejectedAtAdmission: boolean;
  text: string;
}

export const INVALID_FIXTURES_DIR = "test/fixtures/invalid";

const header = (text: string, key: string): string | undefined =>
  new RegExp(`^# ${key}:[ \\t]*(.*)$`, "m").exec(text)?.[1]?.trim();

/** Reads every invalid fixture; throws if one lacks its reason, field or admission header. */
export async function invalidFixtures(): Promise<InvalidFixture[]> {
  const files = (await readdir(INVALID_FIXTURES_DIR)).filter((f) => f.endsWith(".yaml")).sort();
  return Promise.all(
    files.map(async (name) => {
      const file = path.join(INVALID_FIXTURES_DIR, name);
      const text = await readFile(file, "utf8");
      const reason = header(text, "reason");
      const field = header(text, "field");
      const admission = header(text, "admission");
      if (!reason || field === undefined || !admission) {
        throw new Error(`${file} needs '# reason:', '# field:' and '# admission:' header lines`);
      }
      return { file, reason, field, rejectedAtAdmission: admission.startsWith("rejected"), text };
    }),
  );
}

/** Every example manifest file under examples/. */
export async function exampleFiles(dir = "examples"): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await exampleFiles(full)));
    else if (entry.name.endsWith(".yaml")) out.push(full);
  }
  return out.sort();
}
