#!/usr/bin/env bash
# Builds Runpad's base images locally for machines that cannot pull from a container registry
# (air gaps, closed CI). Needs only the Debian mirror and the npm registry.
#
#   infra/base-images/bootstrap.sh            build both images if missing
#   FORCE=1 infra/base-images/bootstrap.sh    rebuild them
#
# Produces:
#   runpad/node:22-bookworm-local     Debian 12 minbase + Node.js 22 and npm (from the npm registry)
#   runpad/python:3.11-bookworm-local Debian 12 minbase + python3 3.11 with venv
# Point RUNPAD_NODE_IMAGE / RUNPAD_PYTHON_IMAGE at them (scripts/install.sh does this when a pull fails).
set -euo pipefail

NODE_IMAGE=${NODE_IMAGE:-runpad/node:22-bookworm-local}
PYTHON_IMAGE=${PYTHON_IMAGE:-runpad/python:3.11-bookworm-local}
ROOTFS_IMAGE=runpad/debian:bookworm-minbase
NODE_VERSION=${NODE_VERSION:-22}
NPM_VERSION=${NPM_VERSION:-10}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}

have() { [ -z "${FORCE:-}" ] && docker image inspect "$1" >/dev/null 2>&1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! have "$ROOTFS_IMAGE"; then
  echo "bootstrap: debootstrap bookworm (minbase) from $MIRROR"
  debootstrap --variant=minbase --include=ca-certificates bookworm "$work/rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log"; exit 1; }
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  tar -C "$work/rootfs" -c . | docker import -c 'CMD ["bash"]' - "$ROOTFS_IMAGE" >/dev/null
  rm -rf "$work/rootfs"
fi

if ! have "$PYTHON_IMAGE"; then
  echo "bootstrap: $PYTHON_IMAGE"
  mkdir -p "$work/py"
  cp "$CA_BUNDLE" "$work/py/ca.pem"
  cat >"$work/py/Dockerfile" <<DOCKERFILE
FROM $ROOTFS_IMAGE
COPY ca.pem /usr/local/share/ca-certificates/runpad-build-ca.crt
RUN apt-get -o Acquire::https::CAInfo=/usr/local/share/ca-certificates/runpad-build-ca.crt update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv \
 && rm -rf /var/lib/apt/lists/* /usr/local/share/ca-certificates/runpad-build-ca.crt \
 && ln -s /usr/bin/python3 /usr/local/bin/python
LABEL runpad.bootstrap="1"
CMD ["python3"]
DOCKERFILE
  docker build -q -t "$PYTHON_IMAGE" "$work/py" >/dev/null
fi

if ! have "$NODE_IMAGE"; then
  echo "bootstrap: $NODE_IMAGE (node@$NODE_VERSION, npm@$NPM_VERSION from the npm registry)"
  mkdir -p "$work/node"
  arch=$(uname -m); case "$arch" in x86_64) narch=x64;; aarch64) narch=arm64;; *) echo "unsupported arch $arch"; exit 1;; esac
  (cd "$work/node" && npm pack --silent "node-linux-$narch@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  mv "$work/node"/node-linux-*.tgz "$work/node/node.tgz"
  mv "$work/node"/npm-*.tgz "$work/node/npm.tgz"
  cat >"$work/node/Dockerfile" <<DOCKERFILE
FROM $ROOTFS_IMAGE
ADD node.tgz /tmp/node
ADD npm.tgz /tmp/npm
RUN cp /tmp/node/package/bin/node /usr/local/bin/node \
 && mkdir -p /usr/local/lib/node_modules && mv /tmp/npm/package /usr/local/lib/node_modules/npm \
 && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && rm -rf /tmp/node /tmp/npm && node --version && npm --version
LABEL runpad.bootstrap="1"
CMD ["node"]
DOCKERFILE
  docker build -q -t "$NODE_IMAGE" "$work/node" >/dev/null
fi

echo "bootstrap: ready: $NODE_IMAGE $PYTHON_IMAGE"
