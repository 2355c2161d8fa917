#!/bin/sh
# Makes iddawc (the established C OAuth2 client, Debian's libiddawc1.1)
# available to the benchmark WITHOUT installing libiddawc-dev: that package
# pulls in libcurl4-gnutls-dev, which replaces libcurl4-openssl-dev and would
# silently switch libpkce to GnuTLS-flavoured libcurl. The runtime package
# coexists; the headers are unpacked from the -dev packages into $1.
set -eu
dest=$1
[ -f "$dest/usr/include/iddawc.h" ] && exit 0
if ! dpkg-query -W -f='${Status}' libiddawc1.1 2>/dev/null | grep -q 'ok installed'; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends libiddawc1.1 >/dev/null
fi
mkdir -p "$dest/debs"
cd "$dest/debs"
apt-get download -qq libiddawc-dev libulfius-dev liborcania-dev librhonabwy-dev libyder-dev libjansson-dev \
    libgnutls28-dev libmicrohttpd-dev 2>/dev/null
for deb in *.deb; do dpkg -x "$deb" ..; done
