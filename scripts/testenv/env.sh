#!/usr/bin/env bash
# Exports the paths of what install.sh put in the cache, for shells and scripts:
#
#   source scripts/testenv/env.sh
#
# The same convention as packages/testenv/src/paths.ts: versions from versions.env,
# cache root ${NIGHTGLOW_CACHE:-$HOME/.cache/nightglow}, one folder per version.
# Only sets variables; checks nothing (install.sh does that).
_nightglow_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$_nightglow_here/versions.env"
export NIGHTGLOW_CACHE="${NIGHTGLOW_CACHE:-$HOME/.cache/nightglow}"
export NIGHTGLOW_KUBE_APISERVER="$NIGHTGLOW_CACHE/kube-apiserver-$KUBE_VERSION/kube-apiserver"
export NIGHTGLOW_ETCD="$NIGHTGLOW_CACHE/etcd-$ETCD_VERSION/etcd"
export NIGHTGLOW_KAFKA_LIB="$NIGHTGLOW_CACHE/kafka-$KAFKA_VERSION/lib"
export NIGHTGLOW_GRPCURL="$NIGHTGLOW_CACHE/go-bin/grpcurl"
export NIGHTGLOW_GHZ="$NIGHTGLOW_CACHE/go-bin/ghz"
export NIGHTGLOW_HELM="$NIGHTGLOW_CACHE/go-bin/helm"
export NIGHTGLOW_GRPC_HEALTH_PROBE="$NIGHTGLOW_CACHE/go-bin/grpc_health_probe"
export NIGHTGLOW_GRPC_PYTHON="$NIGHTGLOW_CACHE/py-grpc-venv/bin/python"
export NIGHTGLOW_CHROMIUM="${NIGHTGLOW_CHROMIUM:-/usr/bin/chromium}"
unset _nightglow_here
