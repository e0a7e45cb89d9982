#!/usr/bin/env bash
# Installs every server and tool the integration tests need, idempotently.
#
#   bash scripts/testenv/install.sh
#
# Debian packages (Chromium, Redis, PostgreSQL, fonts) go to the system; everything
# slow to build or fetch goes to a cache outside the repo, one folder per version:
#
#   ${NIGHTGLOW_CACHE:-$HOME/.cache/nightglow}/
#     kube-apiserver-<v>/kube-apiserver   built from the Go module proxy
#     etcd-<v>/etcd                       built from the Go module proxy
#     kafka-<v>/lib/*.jar                 Maven Central (kafka_2.13 + slf4j-reload4j)
#     go-bin/{grpcurl,ghz,grpc_health_probe,helm}   `go install`
#     py-grpc-venv/                       grpcio, grpcio-tools, grpcio-reflection
#     go/{mod,build}  m2/  logs/          module, build and Maven caches; build logs
#
# Each folder is built under a temporary name and renamed when complete, so an
# interrupted run never leaves a half cache; a warm run only checks and takes a
# second or so. Versions live in versions.env beside this script. Runs as root
# without a terminal (CI=true); as another user it needs sudo-free apt only when a
# Debian package is missing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

CACHE="${NIGHTGLOW_CACHE:-$HOME/.cache/nightglow}"
mkdir -p "$CACHE/logs"
CACHE="$(cd "$CACHE" && pwd)"
export GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build"
export GOFLAGS="-modcacherw -buildvcs=false"
export DEBIAN_FRONTEND=noninteractive
export MAVEN_OPTS="${MAVEN_OPTS:-} -Djava.awt.headless=true"

# One installer at a time per cache; a second one waits, then finds everything cached.
exec 9>"$CACHE/.install.lock"
flock 9
rm -rf "$CACHE"/.tmp-*

DEB_PACKAGES=(chromium fonts-liberation fonts-noto-color-emoji redis-server postgresql openssl ca-certificates)
command -v java >/dev/null || DEB_PACKAGES+=(default-jre-headless)
command -v mvn >/dev/null || DEB_PACKAGES+=(maven)

KUBE_DIR="$CACHE/kube-apiserver-$KUBE_VERSION"
ETCD_DIR="$CACHE/etcd-$ETCD_VERSION"
KAFKA_DIR="$CACHE/kafka-$KAFKA_VERSION"
GOBIN_DIR="$CACHE/go-bin"
VENV_DIR="$CACHE/py-grpc-venv"
PY_SPEC="grpcio==$PY_GRPC_VERSION grpcio-tools==$PY_GRPC_VERSION grpcio-reflection==$PY_GRPC_VERSION"

micros() { printf '%s' "${EPOCHREALTIME//[!0-9]/}"; }
since() { local d=$((($(micros) - $1) / 100000)); printf '%d.%ds' $((d / 10)) $((d % 10)); }
tmpdir() { mktemp -d "$CACHE/.tmp-$1.XXXXXX"; }
# Replaces $2 with the finished folder $1 in one rename.
publish() { chmod 755 "$1"; rm -rf "$2"; mv -T "$1" "$2"; }

# component NAME VERSION CHECK INSTALL: runs INSTALL (logging to logs/NAME.log) unless
# CHECK passes, then prints one summary line. INSTALL runs in a background subshell
# so that `set -e` stays in force inside it.
component() {
  local name=$1 version=$2 check=$3 install=$4 start rc=0 log
  start=$(micros)
  if "$check"; then
    printf '%-18s %-10s cached     %s\n' "$name" "$version" "$(since "$start")"
    return 0
  fi
  log="$CACHE/logs/$name.log"
  ("$install") >"$log" 2>&1 </dev/null &
  wait $! || rc=$?
  if [[ $rc -ne 0 ]] || ! "$check"; then
    printf '%-18s %-10s FAILED     %s (exit %s), last lines of %s:\n' "$name" "$version" "$(since "$start")" "$rc" "$log" >&2
    tail -n 30 "$log" >&2
    return 1
  fi
  printf '%-18s %-10s installed  %s\n' "$name" "$version" "$(since "$start")"
}

need_go() {
  command -v go >/dev/null || { echo "go not found: Go >= 1.26 is needed to build etcd $ETCD_VERSION" >&2; return 1; }
}

# --- Debian packages -------------------------------------------------------------
missing_debs() {
  local p
  for p in "${DEB_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || echo "$p"
  done
}
check_debs() { [[ -z "$(missing_debs)" ]]; }
install_debs() {
  local missing
  mapfile -t missing < <(missing_debs)
  echo "installing: ${missing[*]}"
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# --- etcd: a throwaway module whose main calls etcdmain.Main (go install refuses etcd)
check_etcd() { [[ -x "$ETCD_DIR/etcd" ]]; }
install_etcd() {
  need_go
  local tmp; tmp=$(tmpdir etcd)
  mkdir "$tmp/src" && cd "$tmp/src"
  cat >main.go <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  go mod init nightglow.local/etcd
  go mod edit -require="go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  go mod tidy
  go build -trimpath -ldflags='-s -w' -o "$tmp/etcd" .
  cd "$CACHE" && rm -rf "$tmp/src"
  publish "$tmp" "$ETCD_DIR"
}

# --- kube-apiserver: k8s.io/kubernetes with its ./staging replaces pointed at v0.x ----
check_kube() { [[ -x "$KUBE_DIR/kube-apiserver" ]]; }
install_kube() {
  need_go
  local tmp gomod staging minor ldflags pkg replaces
  tmp=$(tmpdir kube-apiserver)
  mkdir "$tmp/src" && cd "$tmp/src"
  cat >main.go <<'GO'
package main

import (
	"os"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() { os.Exit(cli.Run(app.NewAPIServerCommand())) }
GO
  go mod init nightglow.local/kube-apiserver
  gomod=$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" |
    node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8")).GoMod)')
  staging="v0.${KUBE_VERSION#v1.}"
  # Every `k8s.io/x => ./staging/src/k8s.io/x` of kubernetes' own go.mod, as k8s.io/x@v0.y.z.
  mapfile -t replaces < <(go mod edit -json "$gomod" | STAGING="$staging" node -e '
    const mod = JSON.parse(require("fs").readFileSync(0, "utf8"));
    for (const r of mod.Replace ?? [])
      if (r.New.Path.startsWith("./staging/")) console.log(`-replace=${r.Old.Path}=${r.Old.Path}@${process.env.STAGING}`);')
  echo "staging replaces: ${#replaces[@]} -> $staging"
  [[ ${#replaces[@]} -gt 10 ]] || { echo "found too few staging replaces in $gomod" >&2; return 1; }
  go mod edit -require="k8s.io/kubernetes@$KUBE_VERSION" "${replaces[@]}"
  go mod tidy
  minor="${KUBE_VERSION#v1.}" && minor="${minor%%.*}"
  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  done
  go build -trimpath -ldflags="$ldflags" -o "$tmp/kube-apiserver" .
  cd "$CACHE" && rm -rf "$tmp/src"
  "$tmp/kube-apiserver" --version
  publish "$tmp" "$KUBE_DIR"
}

# --- gRPC tools: go install into go-bin/, version read back with `go version -m` -----
gotool_ok() { # BIN MODULE VERSION
  [[ -x "$GOBIN_DIR/$1" ]] && go version -m "$GOBIN_DIR/$1" 2>/dev/null | grep -qP "^\tmod\t\Q$2\E\t\Q$3\E(\t|$)"
}
gotool_install() { # BIN PACKAGE@VERSION BUILT_NAME
  need_go
  local tmp; tmp=$(tmpdir "$1")
  GOBIN="$tmp" go install -trimpath "$2"
  mkdir -p "$GOBIN_DIR"
  mv -f "$tmp/$3" "$GOBIN_DIR/$1"
  rm -rf "$tmp"
}
check_grpcurl() { gotool_ok grpcurl github.com/fullstorydev/grpcurl "$GRPCURL_VERSION"; }
install_grpcurl() { gotool_install grpcurl "github.com/fullstorydev/grpcurl/cmd/grpcurl@$GRPCURL_VERSION" grpcurl; }
check_ghz() { gotool_ok ghz github.com/bojand/ghz "$GHZ_VERSION"; }
install_ghz() { gotool_install ghz "github.com/bojand/ghz/cmd/ghz@$GHZ_VERSION" ghz; }
check_probe() { gotool_ok grpc_health_probe github.com/grpc-ecosystem/grpc-health-probe "$GRPC_HEALTH_PROBE_VERSION"; }
install_probe() {
  gotool_install grpc_health_probe "github.com/grpc-ecosystem/grpc-health-probe@$GRPC_HEALTH_PROBE_VERSION" grpc-health-probe
}
check_helm() { gotool_ok helm helm.sh/helm/v3 "$HELM_VERSION"; }
install_helm() { gotool_install helm "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" helm; }

# --- Kafka jars: a packaging-pom project and dependency:copy-dependencies ------------
check_kafka() { [[ -f "$KAFKA_DIR/lib/kafka_$KAFKA_SCALA_VERSION-$KAFKA_VERSION.jar" ]]; }
install_kafka() {
  local tmp; tmp=$(tmpdir kafka)
  cat >"$tmp/pom.xml" <<XML
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.nightglow</groupId>
  <artifactId>testenv-kafka</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_$KAFKA_SCALA_VERSION</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>$SLF4J_VERSION</version></dependency>
  </dependencies>
</project>
XML
  mvn -B -q -Dstyle.color=never -Dmaven.repo.local="$CACHE/m2" -f "$tmp/pom.xml" \
    "org.apache.maven.plugins:maven-dependency-plugin:$MAVEN_DEPENDENCY_PLUGIN_VERSION:copy-dependencies" \
    -DoutputDirectory="$tmp/lib" -DincludeScope=runtime
  rm -rf "$tmp/pom.xml" "$tmp/target"
  ls "$tmp/lib" | wc -l
  publish "$tmp" "$KAFKA_DIR"
}

# --- Python gRPC venv (scripts in bin/ hard-code the venv path, so it is built in
# place and only counts as present once its marker is written last) ---------------
check_venv() { [[ -x "$VENV_DIR/bin/python" && "$(cat "$VENV_DIR/.nightglow-installed" 2>/dev/null)" == "$PY_SPEC" ]]; }
install_venv() {
  rm -rf "$VENV_DIR"
  python3 -m venv "$VENV_DIR"
  # shellcheck disable=SC2086
  "$VENV_DIR/bin/python" -m pip install -q $PY_SPEC
  "$VENV_DIR/bin/python" -c 'import grpc, grpc_tools, grpc_reflection; print(grpc.__version__)'
  printf '%s' "$PY_SPEC" >"$VENV_DIR/.nightglow-installed"
}

# --- run: Go builds (CPU) beside the downloads (network), then wait for both --------
total=$(micros)
echo "nightglow testenv: cache $CACHE"
(
  component etcd "$ETCD_VERSION" check_etcd install_etcd
  component kube-apiserver "$KUBE_VERSION" check_kube install_kube
  component grpcurl "$GRPCURL_VERSION" check_grpcurl install_grpcurl
  component ghz "$GHZ_VERSION" check_ghz install_ghz
  component grpc_health_probe "$GRPC_HEALTH_PROBE_VERSION" check_probe install_probe
  component helm "$HELM_VERSION" check_helm install_helm
) &
go_jobs=$!
(
  component debian-packages "${#DEB_PACKAGES[@]}-pkgs" check_debs install_debs
  component kafka "$KAFKA_VERSION" check_kafka install_kafka
  component py-grpc-venv "$PY_GRPC_VERSION" check_venv install_venv
) &
other_jobs=$!
failed=0
wait "$go_jobs" || failed=1
wait "$other_jobs" || failed=1
if [[ $failed -ne 0 ]]; then
  echo "nightglow testenv: install FAILED after $(since "$total") (logs in $CACHE/logs)" >&2
  exit 1
fi
echo "nightglow testenv: ready in $(since "$total"); paths: source scripts/testenv/env.sh"
