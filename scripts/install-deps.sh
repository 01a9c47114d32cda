#!/usr/bin/env bash
# Installs what cell-runner needs on a fresh Debian 12 machine (run as root); skips what is present.
set -euo pipefail

need_apt=()
command -v nft >/dev/null || need_apt+=(nftables)
command -v ip >/dev/null || need_apt+=(iproute2)
command -v bwrap >/dev/null || need_apt+=(bubblewrap)
command -v hyperfine >/dev/null || need_apt+=(hyperfine)
command -v setpriv >/dev/null || need_apt+=(util-linux)
command -v ping >/dev/null || need_apt+=(iputils-ping)  # conformance: ICMP escape attempts
command -v gcc >/dev/null || need_apt+=(gcc)
command -v musl-gcc >/dev/null || need_apt+=(musl-tools)  # the static cell-init
command -v dig >/dev/null || need_apt+=(dnsutils)        # conformance: DNS inside cells
command -v curl >/dev/null || need_apt+=(curl)           # conformance: a client resolving names in a cell
command -v python3 >/dev/null || need_apt+=(python3)     # conformance: glibc's getaddrinfo from a script
command -v java >/dev/null || need_apt+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || need_apt+=(maven)
command -v nats-server >/dev/null || need_apt+=(nats-server)  # tests: a real JetStream server
command -v npm >/dev/null || need_apt+=(nodejs npm)  # just; the CloudEvents JavaScript SDK receiver of the tests
if ((${#need_apt[@]})); then
  echo "install-deps: apt-get install ${need_apt[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
if ! command -v just >/dev/null; then
  echo "install-deps: npm install -g rust-just" >&2
  npm install -g --silent rust-just >/dev/null
fi
java_major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/ *java.specification.version = //p')
if [[ "${java_major:-0}" -lt 17 ]]; then
  echo "install-deps: Java 17 or newer is required (found ${java_major:-none})" >&2
  exit 1
fi
