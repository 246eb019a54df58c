/**
 * Files a manifest folder may hold by mistake or by malice, each with the one line validate must
 * answer (at which line, saying what): shared by the unit test (the answers) and
 * bench/validate-inputs.ts (the time and memory they cost).
 */

/** One hostile file and the answer expected for it. */
export interface HostileInput {
  reason: string;
  file: string;
  content: string | Buffer;
  /** The line the answer names. */
  line: number;
  /** A part of the answer. */
  says: string;
}

const header = (kind: string, name: string) =>
  `apiVersion: orgguard.io/v1alpha1\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n`;

/** Deterministic bytes that are no text: every byte value, NUL first. */
const noise = (size: number): Buffer => {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7919) % 256;
  return bytes;
};

/** The "billion laughs": nine aliases of nine aliases, seven levels deep (9^7 nodes once expanded). */
const aliasBomb = (): string => {
  const levels = ["a", "b", "c", "d", "e", "f", "g"];
  const lines = levels.map((level, i) =>
    i === 0
      ? `  ${level}: &${level} [lol, lol, lol, lol, lol, lol, lol, lol, lol]`
      : `  ${level}: &${level} [${Array(9)
          .fill(`*${levels[i - 1]}`)
          .join(", ")}]`,
  );
  return `${header("PasswordPolicy", "laughs")}${lines.join("\n")}\n`;
};

/** An SCP of 10,000 statements (half a megabyte): far over AWS's size limit, and nothing else wrong. */
const tenThousandStatements = (): string => {
  const statements = Array.from(
    { length: 10_000 },
    (_, i) => `      - { Sid: S${i}, Effect: Deny, Action: "s3:GetObject${i}", Resource: "*" }`,
  );
  return `${header("ServiceControlPolicy", "huge")}  document:\n    Version: "2012-10-17"\n    Statement:\n${statements.join("\n")}\n`;
};

export function hostileInputs(): HostileInput[] {
  return [
    {
      reason: "a 2 MB manifest file: refused before it is parsed",
      file: "two-megabytes.yaml",
      content: `${header("PasswordPolicy", "padded")}  accountId: "111111111111"\n${"# padding\n".repeat(200_000)}`,
      line: 1,
      says: "the file is 2.0 MB: orgguard reads manifest files of at most 1 MiB",
    },
    {
      reason: "a YAML alias bomb: refused at its document, the folder still checked",
      file: "alias-bomb.yaml",
      content: aliasBomb(),
      line: 1,
      says: "its aliases (*name) expand it beyond 100 aliased nodes",
    },
    {
      reason: "an SCP of 10,000 statements: one line, for its size",
      file: "ten-thousand-statements.yaml",
      content: tenThousandStatements(),
      line: 6,
      says: "the minified document is 747818 characters; the SCP limit is 10240",
    },
    {
      reason: "a binary file named .yaml: one line, no bytes echoed",
      file: "image.yaml",
      content: noise(100_000),
      line: 1,
      says: "binary content (a NUL byte): not a YAML or JSON text file",
    },
    {
      reason: "a 2 MB binary file: skipped with a note (it names no orgguard kind), no bytes echoed",
      file: "archive.yaml",
      content: noise(2_000_000),
      line: 1,
      says: "note: skipping the file: 2.0 MB",
    },
    {
      reason: "a file in another encoding (Latin-1): one line",
      file: "latin1.yaml",
      content: Buffer.concat([
        Buffer.from(header("PasswordPolicy", "latin")),
        Buffer.from([0x23, 0x20, 0xe9, 0x0a]),
      ]),
      line: 1,
      says: "not UTF-8 text",
    },
    {
      reason: "a half-megabyte name: one line, the value not echoed",
      file: "long-name.yaml",
      content: `${header("ServiceControlPolicy", "long")}  policyName: ${"n".repeat(500_000)}\n  document: { Version: "2012-10-17", Statement: { Effect: Deny, Action: "*", Resource: "*" } }\n`,
      line: 6,
      says: "spec.policyName: Too big: expected string to have <=128 characters",
    },
  ];
}
