/**
 * `orgguard completion bash|zsh`: a shell completion script, generated from the commands' own
 * declarations (their options, the values an option takes, what their arguments are), so it
 * never lags behind the CLI. zsh runs the same function through its bash compatibility layer
 * (bashcompinit), as the AWS CLI's completion does: one completion logic for both shells.
 */
import { type CliCommand, type Command, type CompletionOption, UsageError } from "./command.js";

/** The shells a script is printed for. */
export const SHELLS = ["bash", "zsh"] as const;
type Shell = (typeof SHELLS)[number];

/** Words put into the script unquoted must be plain: a command, a flag, a value from a set. */
function plain(word: string): string {
  if (!/^[A-Za-z0-9._=-]+$/.test(word)) throw new Error(`cannot put '${word}' into a completion script`);
  return word;
}

const words = (list: readonly string[]): string => list.map(plain).join(" ");

/** How an option is written on the command line: `--output` and `-o`. */
const spellings = (o: CompletionOption): string[] => [`--${o.name}`, ...(o.short ? [`-${o.short}`] : [])];

/** The `case "$prev"` arms that complete an option's value (options with any value: nothing to offer). */
function valueArms(options: readonly CompletionOption[]): string[] {
  const free = options.filter((o) => o.value === "any").flatMap(spellings);
  const arms = options.flatMap((o) => {
    const pattern = spellings(o).map(plain).join("|");
    if (o.value === "none" || o.value === "any") return [];
    if (o.value === "file") return [`        ${pattern}) COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;`];
    if (o.value === "directory")
      return [`        ${pattern}) COMPREPLY=($(compgen -d -- "$cur")); return 0 ;;`];
    return [`        ${pattern}) COMPREPLY=($(compgen -W "${words(o.value)}" -- "$cur")); return 0 ;;`];
  });
  return free.length > 0 ? [...arms, `        ${free.map(plain).join("|")}) return 0 ;;`] : arms;
}

/** The completion of one subcommand's words after its name. */
function commandArm(command: CliCommand): string[] {
  const spec = command.completion();
  const flags = spec.options.flatMap((o) => `--${o.name}`);
  const args =
    spec.arguments === "files"
      ? `COMPREPLY=($(compgen -f -- "$cur"))`
      : spec.arguments === "none"
        ? "return 0"
        : `COMPREPLY=($(compgen -W "${words(spec.arguments)}" -- "$cur"))`;
  const arms = valueArms(spec.options);
  return [
    `    ${plain(command.name)})`,
    ...(arms.length > 0 ? ['      case "$prev" in', ...arms, "      esac"] : []),
    `      if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "${words(flags)}" -- "$cur")); return 0; fi`,
    `      ${args}`,
    "      ;;",
  ];
}

/** The bash function both shells run, and its registration. */
function bashCompletion(commands: readonly CliCommand[]): string {
  const names = commands.map((c) => c.name);
  return [
    "_orgguard() {",
    "  local cur prev",
    '  cur="${COMP_WORDS[COMP_CWORD]}"',
    '  prev="${COMP_WORDS[COMP_CWORD-1]}"',
    "  # --output=json: bash splits the word at '=', so the option is the word before it.",
    '  if [[ "$prev" == "=" ]]; then prev="${COMP_WORDS[COMP_CWORD-2]}"; fi',
    '  if [[ "$cur" == "=" ]]; then cur=""; fi',
    "  COMPREPLY=()",
    "  if [[ $COMP_CWORD -eq 1 ]]; then",
    `    COMPREPLY=($(compgen -W "${words([...names, "help", "--help", "--version"])}" -- "$cur"))`,
    "    return 0",
    "  fi",
    '  case "${COMP_WORDS[1]}" in',
    "    help)",
    `      if [[ $COMP_CWORD -eq 2 ]]; then COMPREPLY=($(compgen -W "${words(names)}" -- "$cur")); fi`,
    "      ;;",
    ...commands.flatMap(commandArm),
    "  esac",
    "  return 0",
    "}",
    "complete -o filenames -F _orgguard orgguard",
  ].join("\n");
}

/** The script for `shell`. */
export function completionScript(shell: Shell, commands: readonly CliCommand[]): string {
  const body = bashCompletion(commands);
  if (shell === "bash") {
    return [
      "# bash completion for orgguard. Load it in ~/.bashrc with:",
      "#   source <(orgguard completion bash)",
      "# or save it as /etc/bash_completion.d/orgguard.",
      body,
      "",
    ].join("\n");
  }
  return [
    "# zsh completion for orgguard. Load it in ~/.zshrc, after compinit, with:",
    "#   source <(orgguard completion zsh)",
    "# It runs the bash completion through zsh's bash compatibility (bashcompinit).",
    "if (( ! ${+functions[complete]} )); then",
    "  autoload -U +X bashcompinit && bashcompinit",
    "fi",
    body,
    "",
  ].join("\n");
}

const COMPLETION_OPTIONS = {};

/** `orgguard completion`; `commands` is the CLI's list (the script covers every command in it). */
export function completionCommand(commands: () => readonly CliCommand[]): Command<typeof COMPLETION_OPTIONS> {
  return {
    name: "completion",
    summary: "Prints a shell completion script for bash or zsh: commands, options, their values, and files.",
    arguments: "bash|zsh",
    options: COMPLETION_OPTIONS,
    completeArguments: SHELLS,
    examples: [
      "source <(orgguard completion bash)     # in ~/.bashrc",
      "source <(orgguard completion zsh)      # in ~/.zshrc, after compinit",
      "orgguard completion bash > /etc/bash_completion.d/orgguard",
    ],
    exitCodes: { 0: "printed", 1: "no shell, or one orgguard has no script for" },
    run: async (_values, positionals) => {
      const [shell, ...rest] = positionals;
      if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
      const known = SHELLS.find((s) => s === shell);
      if (!known) {
        throw new UsageError(
          shell === undefined
            ? `name the shell: ${SHELLS.join(" or ")}`
            : `no completion for '${shell}': ${SHELLS.join(" or ")}`,
        );
      }
      process.stdout.write(completionScript(known, commands()));
      return 0;
    },
  };
}
