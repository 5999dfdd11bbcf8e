#!/usr/bin/env bash
# Builds the end-to-end tier's control plane from Go modules: kube-apiserver,
# kube-controller-manager, kube-scheduler and kubectl (k8s.io/kubernetes), etcd and kwok.
# Versions are pinned by the wrapper modules beside this script. Binaries are cached outside the
# work tree, keyed by version, and built only when missing. Prints the binary folder last.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${GRADING_E2E_CACHE:-$HOME/.cache/grading-environment-operator/control-plane}"

version_of() { # module path, wrapper dir -> the version the wrapper requires
  awk -v m="$1" '$1 == "require" && $2 == m {print $3} $1 == m && NF == 2 {print $2}' "$here/$2/go.mod" | head -1
}
k8s="$(version_of k8s.io/kubernetes kubernetes)"
etcd="$(version_of go.etcd.io/etcd/server/v3 etcd)"
kwok="$(version_of sigs.k8s.io/kwok kwok)"
bin="$cache/k8s-$k8s-etcd-$etcd-kwok-$kwok"
mkdir -p "$bin"

build() { # wrapper dir, output name, package, extra ldflags
  local out="$bin/$2"
  [[ -x "$out" ]] && return 0
  echo "building $2 ($3)" >&2
  local start=$SECONDS
  (cd "$here/$1" && CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -trimpath -tags selinux,notest \
      -ldflags "-s -w $4" -o "$out.tmp" "$3")
  mv "$out.tmp" "$out"
  echo "built $2 in $((SECONDS - start)) s" >&2
}

major="$(cut -d. -f1 <<<"${k8s#v}")"; minor="$(cut -d. -f2 <<<"$k8s")"
stamp="-X k8s.io/component-base/version.gitVersion=$k8s -X k8s.io/component-base/version.gitMajor=$major"
stamp="$stamp -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
build etcd etcd go.etcd.io/etcd/server/v3 ""
build kwok kwok sigs.k8s.io/kwok/cmd/kwok "-X sigs.k8s.io/kwok/pkg/consts.Version=$kwok"
for cmd in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
  build kubernetes "$cmd" "k8s.io/kubernetes/cmd/$cmd" "$stamp"
done
echo "$bin"
