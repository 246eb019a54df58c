#!/usr/bin/env bash
# Provisions the real test components outside the repository, cached by version:
#   Node.js >= 22 (the system's, or Node 24 LTS from the npm registry), kube-apiserver, kubectl
#   and etcd (built from the Go module proxy), helm, promtool (Prometheus' rule tester, built from
#   its Go module), a moto venv, and from Debian's packages Lua, Chromium and zsh.
# Prints `NAME=PATH` lines on stdout for the caller; progress goes to stderr.
# Usage: hack/provision.sh [all|node|kube-apiserver|kubectl|etcd|helm|promtool|moto|lua|chromium|zsh]...
# Never skips: when something cannot be provided it fails and says how to provide it.
set -euo pipefail

KUBE_VERSION="${ORGGUARD_KUBE_VERSION:-1.34.4}"
ETCD_VERSION="${ORGGUARD_ETCD_VERSION:-3.6.16}"
HELM_VERSION="${ORGGUARD_HELM_VERSION:-3.19.2}"
MOTO_VERSION="${ORGGUARD_MOTO_VERSION:-5.2.5}"
# Prometheus 3.5, the long-term support release; its Go module is numbered v0.305.x.
PROMETHEUS_VERSION="${ORGGUARD_PROMETHEUS_VERSION:-3.5.1}"
# Node 24 is the active LTS line; the AWS SDK drops Node < 22 in January 2027.
NODE_VERSION="${ORGGUARD_NODE_VERSION:-24.21.0}"
NODE_MINIMUM_MAJOR=22
CACHE="${ORGGUARD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/orgguard}"

log() { printf 'provision: %s\n' "$*" >&2; }
die() { printf 'provision: error: %s\n' "$*" >&2; exit 1; }

need_go() {
  command -v go >/dev/null 2>&1 || die "Go is not installed. Install Go >= 1.24 (or set KUBEBUILDER_ASSETS to a folder with kube-apiserver and etcd, and ORGGUARD_HELM to a helm binary)."
}

# Runs "$@" under an exclusive lock so that two runs never build the same thing at once.
with_lock() {
  local name="$1"; shift
  mkdir -p "$CACHE/locks"
  exec {fd}>"$CACHE/locks/$name.lock"
  flock "$fd"
  "$@"
  exec {fd}>&-
}

go_env() {
  export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0
}

# Builds a command of k8s.io/kubernetes (kube-apiserver, kubectl) with the version ldflags.
build_kube_command() {
  local cmd="$1"
  local out="$CACHE/$cmd-v$KUBE_VERSION"
  if [ -x "$out/$cmd" ]; then echo "$out/$cmd"; return; fi
  need_go; go_env
  local work; work=$(mktemp -d)
  log "building $cmd v$KUBE_VERSION (cold build: several minutes)"
  local start=$SECONDS
  (
    cd "$work"
    local sv="0.${KUBE_VERSION#1.}" minor; minor=$(echo "$KUBE_VERSION" | cut -d. -f2)
    go mod init example.invalid/kube-build >/dev/null 2>&1
    local mod
    mod=$(go mod download -json "k8s.io/kubernetes@v$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p') \
      || die "cannot download k8s.io/kubernetes@v$KUBE_VERSION from the Go module proxy (check GOPROXY)"
    [ -n "$mod" ] || die "cannot download k8s.io/kubernetes@v$KUBE_VERSION from the Go module proxy (check GOPROXY)"
    # k8s.io/kubernetes requires its staging modules at v0.0.0: point each at its published v0.x.
    for m in $(sed -n 's/^\t\(k8s\.io\/[a-z0-9-]*\) v0\.0\.0$/\1/p' "$mod"); do
      go mod edit -replace="$m=$m@v$sv"
    done
    go get "k8s.io/kubernetes/cmd/$cmd@v$KUBE_VERSION" >&2
    mkdir -p "$out.tmp"
    # Without the version ldflags /version says v0.0.0 and Helm's kubeVersion checks break.
    go build -trimpath -o "$out.tmp/$cmd" -ldflags "-s -w \
      -X k8s.io/component-base/version.gitVersion=v$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 \
      -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean \
      -X k8s.io/client-go/pkg/version.gitVersion=v$KUBE_VERSION -X k8s.io/client-go/pkg/version.gitMajor=1 \
      -X k8s.io/client-go/pkg/version.gitMinor=$minor" \
      "k8s.io/kubernetes/cmd/$cmd" >&2
  ) || die "building $cmd failed (see above)"
  rm -rf "$work" "$out"; mv "$out.tmp" "$out"
  log "built $cmd in $((SECONDS - start))s"
  echo "$out/$cmd"
}

build_etcd() {
  local out="$CACHE/etcd-v$ETCD_VERSION"
  if [ -x "$out/etcd" ]; then echo "$out/etcd"; return; fi
  need_go; go_env
  local work; work=$(mktemp -d)
  log "building etcd v$ETCD_VERSION"
  local start=$SECONDS
  (
    cd "$work"
    # A module of its own, so etcd's grpc/otel versions never move the apiserver build.
    go mod init example.invalid/etcd-build >/dev/null 2>&1
    go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" >&2
    mkdir -p "$out.tmp"
    go build -trimpath -o "$out.tmp/etcd" -ldflags "-s -w" go.etcd.io/etcd/server/v3 >&2
  ) || die "building etcd failed (see above)"
  rm -rf "$work" "$out"; mv "$out.tmp" "$out"
  log "built etcd in $((SECONDS - start))s"
  echo "$out/etcd"
}

build_helm() {
  # "-k8s": built with the Kubernetes version a released helm carries (older caches lack it).
  local out="$CACHE/helm-v$HELM_VERSION-k8s"
  if [ -x "$out/helm" ]; then echo "$out/helm"; return; fi
  need_go; go_env
  local work; work=$(mktemp -d)
  log "building helm v$HELM_VERSION"
  local start=$SECONDS
  (
    cd "$work"
    go mod init example.invalid/helm-build >/dev/null 2>&1
    go get "helm.sh/helm/v3@v$HELM_VERSION" >&2
    # As helm's own Makefile does: the default Kubernetes version of `helm template` and `helm lint`
    # comes from the client-go it is built with (v0.34 -> 1.34); unset, helm assumes 1.20.
    local cg major minor
    cg=$(go list -m -f '{{.Version}}' k8s.io/client-go) || die "cannot read helm's client-go version"
    cg=${cg#v}; major=$(( ${cg%%.*} + 1 )); minor=$(echo "$cg" | cut -d. -f2)
    mkdir -p "$out.tmp"
    go build -trimpath -o "$out.tmp/helm" -ldflags "-s -w \
      -X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean \
      -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=$major -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$minor \
      -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=$major -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$minor" \
      helm.sh/helm/v3/cmd/helm >&2
  ) || die "building helm failed (see above)"
  rm -rf "$work" "$out"; mv "$out.tmp" "$out"
  log "built helm in $((SECONDS - start))s"
  echo "$out/helm"
}

# promtool, which runs the chart's alerting rules against its unit tests (`promtool test rules`).
# Prometheus 3.x is published on the Go module proxy as github.com/prometheus/prometheus v0.3XX.Y.
build_promtool() {
  local out="$CACHE/promtool-v$PROMETHEUS_VERSION"
  if [ -x "$out/promtool" ]; then echo "$out/promtool"; return; fi
  need_go; go_env
  local major minor patch
  IFS=. read -r major minor patch <<<"$PROMETHEUS_VERSION"
  [ "$major" = 3 ] && [ -n "$patch" ] || die "ORGGUARD_PROMETHEUS_VERSION=$PROMETHEUS_VERSION: give a Prometheus 3.x.y version"
  local module_version; module_version=$(printf 'v0.3%02d.%d' "$minor" "$patch")
  local work; work=$(mktemp -d)
  log "building promtool v$PROMETHEUS_VERSION (github.com/prometheus/prometheus@$module_version)"
  local start=$SECONDS
  (
    cd "$work"
    go mod init example.invalid/promtool-build >/dev/null 2>&1
    go get "github.com/prometheus/prometheus/cmd/promtool@$module_version" >&2 \
      || die "cannot download github.com/prometheus/prometheus@$module_version from the Go module proxy (check GOPROXY)"
    mkdir -p "$out.tmp"
    go build -trimpath -o "$out.tmp/promtool" -ldflags "-s -w \
      -X github.com/prometheus/common/version.Version=$PROMETHEUS_VERSION" \
      github.com/prometheus/prometheus/cmd/promtool >&2
  ) || die "building promtool failed (see above)"
  rm -rf "$work" "$out"; mv "$out.tmp" "$out"
  log "built promtool in $((SECONDS - start))s"
  echo "$out/promtool"
}

install_moto() {
  local venv="$CACHE/moto-$MOTO_VERSION"
  # venv scripts carry absolute paths, so the venv is built in place; the marker says it is whole.
  if [ -f "$venv/.complete" ]; then echo "$venv/bin/moto_server"; return; fi
  command -v python3 >/dev/null 2>&1 || die "python3 is not installed. Install Python >= 3.9 with venv, or run a moto server yourself and set ORGGUARD_TEST_AWS_ENDPOINT to its URL."
  log "installing moto[server]==$MOTO_VERSION into $venv"
  local start=$SECONDS
  rm -rf "$venv"
  python3 -m venv "$venv" || die "python3 -m venv failed: install the venv module (Debian: apt-get install python3-venv)"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" >&2 \
    || die "pip could not install moto[server]==$MOTO_VERSION (is the package index reachable? is PIP_INDEX_URL right?)"
  touch "$venv/.complete"
  log "installed moto in $((SECONDS - start))s"
  echo "$venv/bin/moto_server"
}

# The major version of a node binary, or nothing when it does not run.
node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || true; }

# Node.js: the system's when it is new enough, else the official Linux binary that the npm registry
# publishes as the package node-linux-<arch> (what `npx node@24` runs), unpacked into the cache.
provide_node() {
  local system; system=$(command -v node || true)
  if [ -n "$system" ] && [ "$(node_major "$system")" -ge "$NODE_MINIMUM_MAJOR" ] 2>/dev/null; then
    echo "$system"; return
  fi
  local arch
  case "$(uname -m)" in
    x86_64) arch=x64 ;; aarch64|arm64) arch=arm64 ;;
    *) die "no Node.js >= $NODE_MINIMUM_MAJOR, and no official Node binary for $(uname -m): install Node.js >= $NODE_MINIMUM_MAJOR" ;;
  esac
  local out="$CACHE/node-v$NODE_VERSION-$arch"
  if [ -x "$out/bin/node" ]; then echo "$out/bin/node"; return; fi
  command -v npm >/dev/null 2>&1 \
    || die "Node.js >= $NODE_MINIMUM_MAJOR is needed and there is no npm to fetch it with: install Node.js >= $NODE_MINIMUM_MAJOR"
  log "system Node is ${system:+$("$system" --version) }too old: fetching Node $NODE_VERSION (node-linux-$arch) from the npm registry"
  local work; work=$(mktemp -d)
  (cd "$work" && npm pack --silent "node-linux-$arch@$NODE_VERSION" >/dev/null) \
    || die "npm could not fetch node-linux-$arch@$NODE_VERSION (is the npm registry reachable? set ORGGUARD_NODE_VERSION to another 24.x?)"
  rm -rf "$out.tmp" && mkdir -p "$out.tmp"
  tar xzf "$work"/node-linux-*.tgz -C "$out.tmp" --strip-components=1 package/bin package/LICENSE
  rm -rf "$work"
  [ "$(node_major "$out.tmp/bin/node")" -ge "$NODE_MINIMUM_MAJOR" ] 2>/dev/null || die "the fetched Node binary does not run"
  rm -rf "$out"; mv "$out.tmp" "$out"
  log "installed Node $("$out/bin/node" --version) into $out"
  echo "$out/bin/node"
}

# A Lua interpreter for testing the Argo CD health check (Argo CD runs Lua 5.x); from Debian.
install_lua() {
  for candidate in lua5.4 lua5.3 lua; do
    if command -v "$candidate" >/dev/null 2>&1; then command -v "$candidate"; return; fi
  done
  command -v apt-get >/dev/null 2>&1 || die "no Lua interpreter: install Lua 5.3 or 5.4 (for example your distribution's lua5.4 package)"
  [ "$(id -u)" = 0 ] || die "no Lua interpreter: run 'sudo apt-get install lua5.4' (or set ORGGUARD_LUA to one)"
  log "installing lua5.4 from Debian's packages"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq lua5.4) >&2 \
    || die "apt-get could not install lua5.4 (is the package mirror reachable?)"
  command -v lua5.4
}

# A command from Debian's packages, when the system lacks it: the first of the candidate commands
# found, else `package` installed with apt-get (as root). Usage: from_debian PACKAGE PURPOSE OVERRIDE CMD...
from_debian() {
  local package="$1" purpose="$2" override="$3"; shift 3
  for candidate in "$@"; do
    if command -v "$candidate" >/dev/null 2>&1; then command -v "$candidate"; return; fi
  done
  local hint="install your distribution's $package package, or set $override to the binary"
  command -v apt-get >/dev/null 2>&1 || die "no $1 ($purpose): $hint"
  [ "$(id -u)" = 0 ] || die "no $1 ($purpose): run 'sudo apt-get install $package', or set $override to the binary"
  log "installing $package from Debian's packages ($purpose)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$package") >&2 \
    || die "apt-get could not install $package (is the package mirror reachable?); or set $override to the binary"
  command -v "$1" || die "$package is installed but has no $1 command"
}

provide() {
  # `found=$(...)` on its own line: set -e does not see failures inside echo "$(...)".
  local found
  case "$1" in
    node) found=$(with_lock node provide_node); echo "NODE=$found" ;;
    kube-apiserver)
      if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
        [ -x "$KUBEBUILDER_ASSETS/kube-apiserver" ] || die "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS has no executable kube-apiserver"
        echo "KUBE_APISERVER=$KUBEBUILDER_ASSETS/kube-apiserver"
      else found=$(with_lock kube-apiserver build_kube_command kube-apiserver); echo "KUBE_APISERVER=$found"; fi ;;
    kubectl)
      if [ -n "${ORGGUARD_KUBECTL:-}" ]; then echo "KUBECTL=$ORGGUARD_KUBECTL"
      else found=$(with_lock kubectl build_kube_command kubectl); echo "KUBECTL=$found"; fi ;;
    etcd)
      if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
        [ -x "$KUBEBUILDER_ASSETS/etcd" ] || die "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS has no executable etcd"
        echo "ETCD=$KUBEBUILDER_ASSETS/etcd"
      else found=$(with_lock etcd build_etcd); echo "ETCD=$found"; fi ;;
    helm)
      if [ -n "${ORGGUARD_HELM:-}" ]; then echo "HELM=$ORGGUARD_HELM"
      else found=$(with_lock helm build_helm); echo "HELM=$found"; fi ;;
    promtool)
      if [ -n "${ORGGUARD_PROMTOOL:-}" ]; then echo "PROMTOOL=$ORGGUARD_PROMTOOL"
      else found=$(with_lock promtool build_promtool); echo "PROMTOOL=$found"; fi ;;
    chromium)
      # Headless, for the report's browser test and bench/report.ts.
      if [ -n "${ORGGUARD_CHROMIUM:-}" ]; then echo "CHROMIUM=$ORGGUARD_CHROMIUM"
      else found=$(with_lock chromium from_debian chromium "the report's browser test" ORGGUARD_CHROMIUM chromium chromium-browser); echo "CHROMIUM=$found"; fi ;;
    zsh)
      # To run the zsh completion script `orgguard completion zsh` prints.
      if [ -n "${ORGGUARD_ZSH:-}" ]; then echo "ZSH=$ORGGUARD_ZSH"
      else found=$(with_lock zsh from_debian zsh "the zsh completion test" ORGGUARD_ZSH zsh); echo "ZSH=$found"; fi ;;
    lua)
      if [ -n "${ORGGUARD_LUA:-}" ]; then echo "LUA=$ORGGUARD_LUA"
      else found=$(with_lock lua install_lua); echo "LUA=$found"; fi ;;
    moto)
      if [ -n "${ORGGUARD_TEST_AWS_ENDPOINT:-}" ]; then echo "MOTO_SERVER="
      else found=$(with_lock moto install_moto); echo "MOTO_SERVER=$found"; fi ;;
    *) die "unknown component '$1' (node, kube-apiserver, kubectl, etcd, helm, promtool, moto, lua, chromium, zsh, all)" ;;
  esac
}

mkdir -p "$CACHE"
[ $# -gt 0 ] || set -- all
for c in "$@"; do
  if [ "$c" = all ]; then for x in node etcd kube-apiserver kubectl helm promtool moto lua chromium zsh; do provide "$x"; done
  else provide "$c"; fi
done
