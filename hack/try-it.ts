/**
 * The five commands `make env-up` prints for trying orgguard by hand; the README's "Try it by
 * hand" shows exactly these (test/unit/readme.test.ts keeps them equal).
 */
export const NEXT_COMMANDS = [
  "source .devenv/env.sh",
  "orgguard plan examples/                    # what orgguard would change in the sample organization",
  "orgguard controller --poll-interval 10s > .devenv/controller.log 2>&1 &",
  "kubectl apply --server-side -R -f examples/",
  "kubectl get orgguard                       # every object Ready within a minute",
];
