# libpkce - see README.md. `make demo` and `make test` install what they
# need (Debian packages, and a Python venv in build/venv) by themselves.
#
#   make            build/libpkce.so.0.1.0 and its links
#   make demo       a complete sign-in against the local Authlib server
#   make test       every test; `make test-deb` for the Debian packages
#   make bench      speed against baselines, as ratios from one run
#   make fuzz       libFuzzer over the parsers
#   make install    PREFIX=/usr/local DESTDIR=...
#   make deb        Debian packages in build/deb, lintian-checked

VERSION    := 0.1.0
SONAME     := libpkce.so.0
PREFIX     ?= /usr/local
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR    ?=
SWIFT      ?= swift
CC         ?= cc

BUILD   := build
LIB     := $(BUILD)/libpkce.so.$(VERSION)
CFLAGS_STRICT := -Wall -Wextra -Werror -std=c11 -O2 -Iinclude
LDFLAGS_PKCE  := -L$(BUILD) -lpkce -Wl,-rpath,$(CURDIR)/$(BUILD)

# The Swift standard library goes into the .so (-static-stdlib), so that
# users need no Swift runtime; no rpath points into the toolchain; only the
# header's functions are exported (exports.map); the SONAME carries the ABI.
# HARDENING_CFLAGS / HARDENING_LDFLAGS (debian/rules passes dpkg's) reach the
# C shim's compiler and the linker.
comma := ,
HARDENING_CFLAGS ?=
HARDENING_LDFLAGS ?=
SWIFT_HARDENING := $(foreach f,$(HARDENING_CFLAGS),-Xcc $(f)) \
	$(foreach f,$(subst $(comma), ,$(patsubst -Wl$(comma)%,%,$(filter -Wl$(comma)%,$(HARDENING_LDFLAGS)))),-Xlinker $(f))
SWIFT_RELEASE_FLAGS := -c release --product pkce --disable-local-rpath \
	-Xswiftc -static-stdlib -Xswiftc -no-toolchain-stdlib-rpath \
	-Xlinker -soname=$(SONAME) \
	-Xlinker --version-script=$(CURDIR)/Sources/PKCECABI/exports.map $(SWIFT_HARDENING)

# Debian packages the build and the tests use: valgrind and binutils for the
# C tests, python3-venv for the test server (Authlib) and the Python tests.
APT_PACKAGES := libssl-dev libcurl4-openssl-dev pkg-config valgrind binutils gcc make python3 python3-venv ca-certificates
VENV := $(BUILD)/venv
PYTHON := $(VENV)/bin/python

SWIFT_SOURCES := Package.swift include/pkce.h $(wildcard Sources/*/*.swift Sources/*/*.h Sources/*/*.c Sources/*/*.map \
	Sources/*/include/*.h Sources/*/module.modulemap)

.PHONY: all deps venv demo test test-swift test-c test-https test-python test-abi test-install bench install uninstall \
	deb test-deb fuzz clean

all: $(LIB)

# Installs missing Debian packages; a no-op when all are there, or with
# NO_DEPS=1 (package builds, where Build-Depends provide them).
NO_DEPS ?=
deps:
	@[ "$(NO_DEPS)" = 1 ] && exit 0; \
	missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  echo "Installing Debian packages:$$missing"; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@command -v $(SWIFT) >/dev/null || { echo "Building libpkce needs a Swift 6.x toolchain on PATH (or SWIFT=...)."; exit 1; }

$(LIB): $(SWIFT_SOURCES) | deps
	$(SWIFT) build $(SWIFT_RELEASE_FLAGS)
	@mkdir -p $(BUILD)
	cp "$$($(SWIFT) build $(SWIFT_RELEASE_FLAGS) --show-bin-path)/libpkce.so" $@
	ln -sf libpkce.so.$(VERSION) $(BUILD)/$(SONAME)
	ln -sf $(SONAME) $(BUILD)/libpkce.so

# The Python peers (Authlib test server, WorkOS SDK, pytest), from PyPI.
venv: $(VENV)/.installed
$(VENV)/.installed: Tests/server/requirements.txt | deps
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r Tests/server/requirements.txt
	touch $@

$(BUILD)/%: examples/c/%.c include/pkce.h $(LIB)
	$(CC) $(CFLAGS_STRICT) $< -o $@ $(LDFLAGS_PKCE)

$(BUILD)/test_%: Tests/c/test_%.c Tests/c/check.h include/pkce.h $(LIB)
	$(CC) $(CFLAGS_STRICT) $< -o $@ $(LDFLAGS_PKCE)

# The whole sign-in, live, against the local Authlib server.
demo: $(BUILD)/signin_demo venv
	@sh Tests/server/with-server.sh $(PYTHON) ./$(BUILD)/signin_demo

$(BUILD)/signin_demo: examples/c/signin_demo.c include/pkce.h $(LIB)
	$(CC) $(CFLAGS_STRICT) $< -o $@ $(LDFLAGS_PKCE) -lcurl

VALGRIND := valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible \
	--error-exitcode=1 --suppressions=Tests/c/swift-runtime.supp

test: deps test-swift test-c test-https test-python test-abi test-install

test-swift:
	$(SWIFT) test

test-c: $(BUILD)/test_pkce
	$(VALGRIND) ./$(BUILD)/test_pkce

# Against the Authlib server on 127.0.0.1; libcurl plays the browser.
test-https: $(BUILD)/test_https venv
	sh Tests/server/with-server.sh $(PYTHON) $(VALGRIND) ./$(BUILD)/test_https

$(BUILD)/test_https: Tests/c/test_https.c Tests/c/check.h include/pkce.h $(LIB)
	$(CC) $(CFLAGS_STRICT) $< -o $@ $(LDFLAGS_PKCE) -lcurl

# The ctypes binding: mypy --strict, then pytest against the same server.
test-python: $(LIB) venv
	cd bindings/python && ../../$(PYTHON) -m mypy --strict --cache-dir=../../$(BUILD)/mypy-cache libpkce
	sh Tests/server/with-server.sh $(PYTHON) env LIBPKCE_PATH=$(CURDIR)/$(BUILD)/$(SONAME) \
	    PYTHONPATH=$(CURDIR)/bindings/python $(PYTHON) -m pytest -q -p no:cacheprovider bindings/python/tests

test-abi: $(LIB)
	sh Tests/c/check-abi.sh $(LIB) include/pkce.h

test-install: $(LIB)
	sh Tests/c/check-install.sh

# iddawc is the C peer measured in `make bench`; see Tests/bench/setup-iddawc.sh.
IDDAWC := $(BUILD)/iddawc
IDDAWC_FLAGS := -DHAVE_IDDAWC -I$(IDDAWC)/usr/include -I$(IDDAWC)/usr/include/x86_64-linux-gnu \
	-l:libiddawc.so.1.1 -l:liborcania.so.2.3

bench: $(BUILD)/bench_pkce $(BUILD)/bench_dlopen $(BUILD)/bench_https venv
	@dpkg-query -W -f='$${Status}' nginx-light 2>/dev/null | grep -q 'ok installed' || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light >/dev/null; }
	LD_LIBRARY_PATH=$(CURDIR)/$(BUILD) ./$(BUILD)/bench_pkce
	$(PYTHON) Tests/bench/bench_https.py ./$(BUILD)/bench_https $(BUILD)/bench-nginx
	LIBPKCE_PATH=$(CURDIR)/$(BUILD)/$(SONAME) PYTHONPATH=$(CURDIR)/bindings/python $(PYTHON) Tests/bench/bench_python.py

$(BUILD)/bench_https: Tests/bench/bench_https.c include/pkce.h $(LIB)
	sh Tests/bench/setup-iddawc.sh $(IDDAWC)
	$(CC) -std=c11 -O2 -Wall -Wextra -Iinclude $< -o $@ $(LDFLAGS_PKCE) -lcurl $(IDDAWC_FLAGS)

$(BUILD)/bench_pkce: Tests/bench/bench_pkce.c include/pkce.h $(LIB)
	sh Tests/bench/setup-iddawc.sh $(IDDAWC)
	$(CC) -std=c11 -O2 -Wall -Wextra -Iinclude $< -o $@ $(LDFLAGS_PKCE) -lcrypto $(IDDAWC_FLAGS)

$(BUILD)/bench_dlopen: Tests/bench/bench_dlopen.c
	$(CC) -std=c11 -O2 -Wall -Wextra $< -o $@ -ldl

install: $(LIB)
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR)
	install -m 0644 $(LIB) $(DESTDIR)$(LIBDIR)/libpkce.so.$(VERSION)
	ln -sf libpkce.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libpkce.so
	install -m 0644 include/pkce.h $(DESTDIR)$(INCLUDEDIR)/pkce.h
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(LIBDIR)' 'includedir=$(INCLUDEDIR)' '' \
	  'Name: pkce' 'Description: OAuth 2.0 authorization-code flow with PKCE for public clients' 'Version: $(VERSION)' \
	  'Libs: -L$${libdir} -lpkce' 'Cflags: -I$${includedir}' > $(DESTDIR)$(PKGCONFIGDIR)/pkce.pc

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libpkce.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/libpkce.so
	rm -f $(DESTDIR)$(INCLUDEDIR)/pkce.h $(DESTDIR)$(PKGCONFIGDIR)/pkce.pc

# libFuzzer + AddressSanitizer over the parsers (token response, callback,
# metadata, endpoint URLs), seeded from Tests/fuzz/seeds, for FUZZ_SECONDS.
FUZZ_SECONDS ?= 60
fuzz: | deps
	mkdir -p $(BUILD)/fuzz/corpus
	printf 'module CCurlShim { header "%s" export * }\n' "$(CURDIR)/Sources/CCurlShim/include/curl_shim.h" > $(BUILD)/fuzz/module.modulemap
	clang -c -O1 -fsanitize=address Sources/CCurlShim/curl_shim.c -ISources/CCurlShim/include -o $(BUILD)/fuzz/curl_shim.o
	swiftc -O -sanitize=fuzzer,address -parse-as-library -package-name libpkce -module-name PKCE \
	    Sources/PKCE/*.swift Tests/fuzz/FuzzTarget.swift -I Sources/COpenSSL -I $(BUILD)/fuzz \
	    $(BUILD)/fuzz/curl_shim.o -lcrypto -lcurl -o $(BUILD)/fuzz/fuzz_parsers
	./$(BUILD)/fuzz/fuzz_parsers -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -print_final_stats=1 \
	    $(BUILD)/fuzz/corpus Tests/fuzz/seeds

# Debian packages (libpkce0, libpkce-dev, python3-libpkce, -dbgsym) built from
# a copy of the tree into $(DEB_DIR), then checked with lintian.
DEB_DIR := $(BUILD)/deb
DEB_APT_PACKAGES := debhelper dh-python dpkg-dev lintian python3-all build-essential
deb:
	@$(MAKE) -s deps APT_PACKAGES="$(APT_PACKAGES) $(DEB_APT_PACKAGES)"
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/libpkce
	tar --exclude=./build --exclude=./.build --exclude=./.git -cf - . | tar -xf - -C $(DEB_DIR)/libpkce
	cd $(DEB_DIR)/libpkce && SWIFT="$$(command -v $(SWIFT))" dpkg-buildpackage -us -uc -b
	lintian --fail-on error,warning --info $(DEB_DIR)/*.changes
	@echo "lintian: no errors, no warnings"

# Installs the packages, runs the autopkgtests against the installed files, removes them.
test-deb: deb
	sh Tests/c/check-deb.sh $(DEB_DIR)

clean:
	rm -rf $(BUILD) .build
