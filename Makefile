# libpkce - see README.md. `make demo` and `make test` install what they
# need (Debian packages, and a Python venv in build/venv) by themselves.
#
#   make            build/libpkce.so.$(VERSION) and its links
#   make demo       a complete sign-in against the local Authlib server
#   make test       every test; `make test-deb` for the Debian packages
#   make bench      speed against baselines, as ratios from one run
#   make fuzz       libFuzzer over the parsers
#   make install    PREFIX=/usr/local DESTDIR=...
#   make deb        Debian packages in build/deb, lintian-checked

# The version is written once, in include/pkce.h; `make test` checks every
# other place that states it (Tests/facts/check_facts.py).
VERSION    := $(shell sed -n 's/^\#define PKCE_VERSION_STRING "\(.*\)"/\1/p' include/pkce.h)
SONAME     := libpkce.so.0
PREFIX     ?= /usr/local
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR     ?= $(PREFIX)/bin
# The time of the newest debian/changelog entry: what every generated file carries.
SOURCE_DATE_EPOCH ?= $(shell date -d "$$(sed -n 's/^ -- .*>  //p' debian/changelog | head -1)" +%s)
MANDIR     ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR    ?=
SWIFT      ?= swift
SWIFTC     ?= $(SWIFT)c
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
# libstdc++ goes in statically too: the Swift runtime needs two dozen of its
# functions, and loading all of libstdc++.so.6 was a quarter of a cold start
# (docs/architecture.md, "Cold start"). The driver asks for -lstdc++; the
# folder below, searched first, answers with a linker script naming the
# archive. Its symbols stay local like everything else (exports.map).
STATIC_CXX := $(BUILD)/static-libstdc++/libstdc++.so
# -z nodelete: the library stays mapped after dlclose(), because threads
# that used it still hold thread-specific data whose destructor is in it (a
# PAM module or plug-in is unloaded with such threads alive: make
# test-process). -z now: every symbol is bound at load, so the lazy-binding
# stub never runs with secret bytes in the registers it saves (lazy binding
# left copies of state and tokens in dead stack frames); it costs nothing
# measurable at load (make bench, cold start).
# Reproducible builds: two builds of one source, in different places and
# at different times, give the same bytes. The build directory appears
# nowhere (assertions' file names, debug info); no debug "breadcrumbs" point
# at the clang module cache, whose .pcm signatures change from build to build
# (and which users do not have anyway); and the .swift_modhash section, hashes
# the compiler keeps for incremental builds only, which vary likewise, is
# zeroed in the linked library (nothing reads it at run time), which then
# gets the build-id of what it holds (Sources/tools/reproducible.py).
REPRODUCIBLE := -Xswiftc -file-prefix-map -Xswiftc $(CURDIR)=. -Xcc -ffile-prefix-map=$(CURDIR)=. \
	-Xswiftc -Xfrontend -Xswiftc -no-clang-module-breadcrumbs
# Size (docs/architecture.md, "Size"): lld, the Swift toolchain's linker,
# instead of gold, for -z pack-relative-relocs: the Swift runtime's ~16,000
# relative relocations as a DT_RELR bitmap, 0.38 MB less (glibc >= 2.36
# loads it: Debian 12, and the wheel's tag below). Not GNU ld, which packs
# them too but put the Swift metadata and the unwind tables in the writable
# segment and made no RELRO (make test-abi checks both). --gc-sections is
# SwiftPM's in release. The floor library of make bench shares these flags.
SWIFT_LINK_FLAGS := -use-ld=lld -Xlinker -z -Xlinker pack-relative-relocs \
	-Xlinker -L$(CURDIR)/$(dir $(STATIC_CXX)) -Xlinker -z -Xlinker nodelete -Xlinker -z -Xlinker now \
	-Xlinker --version-script=$(CURDIR)/Sources/PKCECABI/exports.map
# Code layout (docs/architecture.md): every function in a section of its
# own, so that the linker can put the ones each token exchange runs side by
# side, in the order of Sources/PKCECABI/hot-path.order (`make hot-path`).
SWIFT_SECTION_FLAGS := -Xfrontend -function-sections
HOT_PATH_ORDER := Sources/PKCECABI/hot-path.order
SWIFT_VERSION_LINE = $(shell $(SWIFTC) --version 2>/dev/null | head -1)
SWIFT_RELEASE_FLAGS := -c release --product pkce --disable-local-rpath \
	-Xswiftc -static-stdlib -Xswiftc -no-toolchain-stdlib-rpath -Xlinker -soname=$(SONAME) \
	$(patsubst %,-Xswiftc %,$(SWIFT_SECTION_FLAGS)) -Xcc -ffunction-sections \
	-Xlinker --symbol-ordering-file=$(CURDIR)/$(HOT_PATH_ORDER) \
	$(patsubst -use-ld=%,-Xswiftc -use-ld=%,$(SWIFT_LINK_FLAGS)) $(SWIFT_HARDENING) $(REPRODUCIBLE)

# Debian packages the build and the tests use: valgrind and binutils for the
# C tests, python3-venv for the test server (Authlib) and the Python tests.
# libcurl3-gnutls: not used by libpkce, but test-loading checks that this
# flavour of libcurl is refused.
APT_PACKAGES := libssl-dev libcurl4-openssl-dev libcurl3-gnutls libstdc++-12-dev pkg-config valgrind binutils gcc make \
	python3 python3-venv ca-certificates man-db groff-base curl
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
VENV := $(BUILD)/venv
PYTHON := $(VENV)/bin/python

SWIFT_SOURCES := Makefile Package.swift include/pkce.h $(wildcard Sources/*/*.swift Sources/*/*.h Sources/*/*.c Sources/*/*.map \
	Sources/*/include/*.h Sources/*/module.modulemap Sources/*/*.order)

.PHONY: all deps venv demo man test-tokens test-resource test-logout test-dpop test-keyring test-man docs test-docs wheel test-wheel test test-asan test-tsan test-swift test-c test-https test-oidc test-signin test-cli test-loading test-process test-secrets test-oom test-python test-abi test-install test-facts \
	bench hot-path install uninstall deb test-deb check-reproducible fuzz fuzz-smoke clean

all: $(LIB) $(BUILD)/pkce man

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

# Swift is asked for only when the library needs (re)building.
$(STATIC_CXX): | deps
	@mkdir -p $(@D)
	@archive=$$($(CC) -print-file-name=libstdc++.a); [ -f "$$archive" ] || \
	  { echo "libstdc++.a not found (Debian: libstdc++-12-dev, which g++ brings)"; exit 1; }; \
	printf 'INPUT ( %s )\n' "$$archive" > $@

$(LIB): $(SWIFT_SOURCES) | deps $(STATIC_CXX)
	@command -v $(SWIFT) >/dev/null || { echo "Building libpkce needs a Swift 6.x toolchain on PATH (or SWIFT=...)."; exit 1; }
	@# SwiftPM relinks for its own inputs only, not for the export map or the order file.
	bin="$$($(SWIFT) build $(SWIFT_RELEASE_FLAGS) --show-bin-path)" && rm -f "$$bin/libpkce.so" && \
	    $(SWIFT) build $(SWIFT_RELEASE_FLAGS) && mkdir -p $(BUILD) && cp "$$bin/libpkce.so" $@
	python3 Sources/tools/reproducible.py $@
	ln -sf libpkce.so.$(VERSION) $(BUILD)/$(SONAME)
	ln -sf $(SONAME) $(BUILD)/libpkce.so

# The Python peers (Authlib test server, WorkOS SDK, pytest), from PyPI.
venv: $(VENV)/.installed
$(VENV)/.installed: Tests/server/requirements.txt | deps
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r Tests/server/requirements.txt
	touch $@

# Every C program of ours: $(BUILD)/NAME from examples/c, Tests/c or
# Tests/bench NAME.c, with the strict flags, linked to the built library,
# plus LIBS_NAME. One rule per folder, told apart by name, not by order.
C_EXAMPLES := quickstart signin_demo
C_TESTS    := test_primitives test_client test_attempt test_token test_https test_oidc test_loading test_process \
	test_secrets test_oom test_signin test_tokens test_resource test_logout test_keyring test_dpop
C_BENCHES  := bench_pkce bench_https bench_oidc bench_listener bench_tokens bench_dpop hot_exchange
LIBS_signin_demo = -lcurl
LIBS_test_https  = -lcurl -lpthread
LIBS_test_oidc   = -lcurl -lpthread
LIBS_test_signin = -lcurl -lpthread
LIBS_test_tokens = -lcurl -lpthread
LIBS_test_resource = -lcurl
LIBS_test_logout = -lcurl
LIBS_test_dpop = -lcurl
LIBS_bench_dpop = -lcrypto
LIBS_test_keyring = -lcurl
LIBS_test_primitives = -lpthread
LIBS_test_process = -lpthread -ldl
LIBS_test_secrets = -ldl
LIBS_test_oom = -ldl
LIBS_bench_pkce  = -lcrypto $(IDDAWC_FLAGS)
LIBS_bench_https = -lcurl -lpthread $(IDDAWC_FLAGS)
LIBS_bench_oidc  = -lcrypto
LIBS_bench_listener = -lpthread
LIBS_bench_tokens = -lpthread
STATUS_LIST := $(BUILD)/pkce_statuses.h
C_RULE = $(CC) $(CFLAGS_STRICT) -I$(BUILD) $< -o $@ $(LDFLAGS_PKCE) $(LIBS_$(@F))

# The pkce tool, twice: build/pkce finds the library beside it (a $ORIGIN
# run path), so that it runs from the tree as it is; build/install/pkce,
# which `make install` (and so the Debian package) installs, has no run path
# at all, as Debian's policy wants.
TOOL_SOURCES := $(wildcard Sources/pkce-tool/*.c)
TOOL_LINK = $(CC) $(CFLAGS_STRICT) $(HARDENING_CFLAGS) $(TOOL_SOURCES) -o $@ -L$(BUILD) -lpkce $(HARDENING_LDFLAGS)
$(BUILD)/pkce: $(TOOL_SOURCES) Sources/pkce-tool/tool.h include/pkce.h $(LIB)
	$(TOOL_LINK) -Wl,-rpath,'$$ORIGIN'
$(BUILD)/install/pkce: $(TOOL_SOURCES) Sources/pkce-tool/tool.h include/pkce.h $(LIB)
	@mkdir -p $(@D)
	$(TOOL_LINK)

$(C_EXAMPLES:%=$(BUILD)/%): $(BUILD)/%: examples/c/%.c include/pkce.h $(LIB)
	$(C_RULE)
$(C_TESTS:%=$(BUILD)/%): $(BUILD)/%: Tests/c/%.c Tests/c/check.h Tests/c/fixtures.h Tests/c/test_server.h include/pkce.h \
	$(STATUS_LIST) $(LIB)
	$(C_RULE)
$(C_BENCHES:%=$(BUILD)/%): $(BUILD)/%: Tests/bench/%.c Tests/bench/bench.h include/pkce.h $(LIB)
	$(C_RULE)
# The cold-start probe and the unload test load the library themselves, so
# they link none of it.
$(BUILD)/bench_dlopen: Tests/bench/bench_dlopen.c
	$(CC) $(CFLAGS_STRICT) $< -o $@
$(BUILD)/test_unload: Tests/c/test_unload.c Tests/c/check.h
	$(CC) $(CFLAGS_STRICT) $< -o $@ -lpthread -ldl

# Every status of the header as X(NAME) lines, so that the C tests walk the
# header's own list rather than a copy of it.
$(STATUS_LIST): include/pkce.h
	@mkdir -p $(BUILD)
	sed -n 's/^ *\(PKCE_ERR_[A-Z0-9_]*\) = [0-9]*,\{0,1\}.*/X(\1)/p' $< > $@

# A stand-in libcurl.so.4 that reports version 7.74.0, for test-loading.
$(BUILD)/old-curl/libcurl.so.4: Tests/c/old_libcurl.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_STRICT) -Wno-unused-parameter -shared -fPIC -Wl,-soname,libcurl.so.4 $< -o $@

# The native-app sign-in with the pkce tool, live, against the local Authlib server.
demo: $(BUILD)/pkce venv
	@sh Tests/server/with-server.sh $(PYTHON) env PATH="$(CURDIR)/$(BUILD):$$PATH" LD_LIBRARY_PATH=$(CURDIR)/$(BUILD) \
	    sh examples/cli/signin.sh $(CURDIR)/Tests/signin/scripted-browser

# valgrind 3.19 (Debian 12) cannot read the DWARF 5 debug sections that the
# Swift runtime's static objects bring into the library: it warns ("Serious
# error when reading debug info"), and on some builds gives up. The C tests
# therefore run under valgrind against a copy without debug sections (the
# symbol table stays, so reports still name functions), put first on the
# search path; everything else uses the library as built.
VALGRIND_LIB := $(BUILD)/valgrind/$(SONAME)
$(VALGRIND_LIB): $(LIB)
	@mkdir -p $(@D)
	objcopy --strip-debug $< $@

VALGRIND := env LD_LIBRARY_PATH=$(CURDIR)/$(BUILD)/valgrind valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible \
	--error-exitcode=1 --suppressions=Tests/c/swift-runtime.supp

test: deps test-facts test-man test-docs test-swift test-c test-https test-oidc test-signin test-tokens test-resource test-logout test-dpop test-keyring test-cli test-loading test-process test-secrets test-oom test-python \
	test-abi test-install test-wheel fuzz-smoke

# The test modules are recompiled each time (their sources touched):
# SwiftPM 6.3's incremental build leaves them compiled against an old layout
# of a core struct whose stored properties changed (ClientConfiguration),
# which crashes at run time.
test-swift:
	touch Tests/*Tests/*.swift
	$(SWIFT) test

test-c: $(BUILD)/test_primitives $(BUILD)/test_client $(BUILD)/test_attempt $(BUILD)/test_token | $(VALGRIND_LIB)
	for t in $^; do $(VALGRIND) ./$$t || exit 1; done

# Against the Authlib server on 127.0.0.1; libcurl plays the browser.
test-https: $(BUILD)/test_https venv | $(VALGRIND_LIB)
	sh Tests/server/with-server.sh $(PYTHON) $(VALGRIND) ./$(BUILD)/test_https

# OpenID Connect: real and crafted ID tokens from the same server.
test-oidc: $(BUILD)/test_oidc venv | $(VALGRIND_LIB)
	sh Tests/server/with-server.sh $(PYTHON) $(VALGRIND) ./$(BUILD)/test_oidc

# Native-app sign-in: listener, scripted browser, device grant, the log.
test-signin: $(BUILD)/test_signin venv | $(VALGRIND_LIB)
	sh Tests/server/with-server.sh $(PYTHON) $(VALGRIND) ./$(BUILD)/test_signin

# The token source and file store: one refresh among threads, restarts,
# a server that does not rotate, store failures.
test-tokens: $(BUILD)/test_tokens venv | $(VALGRIND_LIB)
	sh Tests/server/with-server.sh $(PYTHON) $(VALGRIND) ./$(BUILD)/test_tokens

# The Secret Service store, in each session with-keyring.sh makes: gnome-keyring
# (two processes refreshing once), no bus, no service, a service that never answers.
KEYRING_APT_PACKAGES := dbus gnome-keyring libsecret-1-0 libsecret-tools
test-keyring: $(BUILD)/test_keyring $(BUILD)/pkce venv | $(VALGRIND_LIB)
	@$(MAKE) -s deps APT_PACKAGES="$(KEYRING_APT_PACKAGES)"
	for mode in service nobus noservice silent; do \
	    sh Tests/server/with-server.sh $(PYTHON) sh Tests/keyring/with-keyring.sh $$mode $(PYTHON) ./$(BUILD)/test_keyring \
	        || exit 1; \
	done
	for mode in service nobus; do \
	    sh Tests/server/with-server.sh $(PYTHON) sh Tests/keyring/with-keyring.sh $$mode $(PYTHON) \
	        $(PYTHON) -m pytest -q -p no:cacheprovider Tests/keyring || exit 1; \
	done

# Sign-out: RP-initiated logout through the listener, sans-I/O, WorkOS, the store.
test-logout: $(BUILD)/test_logout venv | $(VALGRIND_LIB)
	sh Tests/server/with-server.sh $(PYTHON) $(VALGRIND) ./$(BUILD)/test_logout

# DPoP: bound tokens, nonces, the store across restarts, the header pair,
# sans-I/O, against the server's own DPoP verifier (Tests/server/dpop_routes.py).
test-dpop: $(BUILD)/test_dpop venv | $(VALGRIND_LIB)
	sh Tests/server/with-server.sh $(PYTHON) $(VALGRIND) ./$(BUILD)/test_dpop

# Sign-in to a protected resource (MCP): the one call, the sans-I/O steps,
# requests with the token and the step-up, against the MCP SDK's servers.
test-resource: $(BUILD)/test_resource venv | $(VALGRIND_LIB)
	WITH_MCP=1 sh Tests/server/with-server.sh $(PYTHON) $(VALGRIND) ./$(BUILD)/test_resource

# The HTML reference: the C API from pkce.h (docs/reference/mkcapi.py), the
# Python package from its docstrings, the README's description and list of
# what is not done yet (docs/reference/readme_parts.py: one source), the
# sequence diagrams of docs/images; Debian's Sphinx, offline. Warnings are
# errors. test-docs then looks at it in a real browser (Debian's chromium,
# headless): what a reader meets, not only what the files hold.
DOCS_APT_PACKAGES := python3-sphinx
DOCS_TEST_APT_PACKAGES := chromium
DOCS_DIR := $(BUILD)/docs
docs: $(LIB)
	@$(MAKE) -s deps APT_PACKAGES="$(DOCS_APT_PACKAGES)"
	rm -rf $(DOCS_DIR) && mkdir -p $(DOCS_DIR)/src/images
	cp docs/reference/conf.py docs/reference/*.rst $(DOCS_DIR)/src/
	cp docs/images/*.svg $(DOCS_DIR)/src/images/
	python3 docs/reference/readme_parts.py README.md $(DOCS_DIR)/src
	python3 docs/reference/mkcapi.py $(DOCS_DIR)/src/c-api.rst
	LIBPKCE_ROOT=$(CURDIR) LIBPKCE_PATH=$(CURDIR)/$(LIB) SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) \
	    sphinx-build -q -W -b html -d $(DOCS_DIR)/doctrees $(DOCS_DIR)/src $(DOCS_DIR)/html
test-docs: docs
	@$(MAKE) -s deps APT_PACKAGES="$(DOCS_TEST_APT_PACKAGES)"
	sh Tests/c/check-docs.sh $(DOCS_DIR)/html
	python3 Tests/docs/check-browser.py $(DOCS_DIR)/html $(BUILD)/docs-screenshots

# A Python wheel that carries libpkce.so.0 and needs no Swift, no source
# tree and no Debian package: the binding and the library, tagged for the
# platform (the library is a binary even though the binding is ctypes),
# then repaired by auditwheel to a manylinux tag. libcrypto.so.3 is left to
# the system, as libcurl.so.4 is (loaded with dlopen, which auditwheel
# cannot see): libcurl must use the same libcrypto as libpkce's TLS hook.
WHEEL_DIR := $(BUILD)/wheel
# 2.36: the glibc that loads DT_RELR (see Size, above).
WHEEL_PLAT := manylinux_2_36_$(shell uname -m)
wheel: $(LIB) venv
	rm -rf $(WHEEL_DIR) && mkdir -p $(WHEEL_DIR)/src/libpkce $(WHEEL_DIR)/dist
	cp bindings/python/pyproject.toml bindings/python/README.md $(WHEEL_DIR)/src/
	cp LICENSE $(WHEEL_DIR)/src/LICENSE
	cp bindings/python/libpkce/*.py bindings/python/libpkce/py.typed $(WHEEL_DIR)/src/libpkce/
	strip --strip-unneeded -o $(WHEEL_DIR)/src/libpkce/$(SONAME) $(LIB)
	cd $(WHEEL_DIR)/src && SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) $(CURDIR)/$(PYTHON) -m pip wheel -q --no-deps \
	    --no-build-isolation --disable-pip-version-check -w ../dist .
	$(PYTHON) -m wheel tags --remove --platform-tag linux_$(shell uname -m) $(WHEEL_DIR)/dist/libpkce-$(VERSION)-py3-none-any.whl
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(PYTHON) -m auditwheel repair --plat $(WHEEL_PLAT) --exclude libcrypto.so.3 -w $(WHEEL_DIR)/repaired \
	    $(WHEEL_DIR)/dist/libpkce-$(VERSION)-py3-none-linux_$(shell uname -m).whl
	@ls $(WHEEL_DIR)/repaired/*.whl

# The wheel in a fresh venv, outside the tree, with the library on no search path.
test-wheel: wheel
	sh Tests/server/with-server.sh $(PYTHON) sh Tests/wheel/check-wheel.sh $(WHEEL_DIR)

# Manual pages: pkce(3), a page per header section and one of its own name
# for every function, all from include/pkce.h (docs/man/mkman3.py); pkce(1)
# is written by hand.
MAN_DIR := $(BUILD)/man
$(MAN_DIR)/man3/pkce.3: include/pkce.h README.md debian/changelog docs/man/mkman3.py
	rm -rf $(MAN_DIR)/man3
	python3 docs/man/mkman3.py $(MAN_DIR)
man: $(MAN_DIR)/man3/pkce.3
test-man: man
	sh Tests/c/check-man.sh $(MAN_DIR)

# The pkce tool: subcommands, JSON output and exit codes (pytest).
test-cli: $(BUILD)/pkce venv | $(VALGRIND_LIB)
	WITH_MCP=1 sh Tests/server/with-server.sh $(PYTHON) env PKCE_VALGRIND="$(VALGRIND)" \
	    $(PYTHON) -m pytest -q -p no:cacheprovider Tests/cli

# Children made every way (no valgrind: it cannot follow a raw clone), and
# unloading while a thread lives.
test-process: $(BUILD)/test_process $(BUILD)/test_unload $(LIB)
	LD_LIBRARY_PATH=$(CURDIR)/$(BUILD) ./$(BUILD)/test_process
	LD_LIBRARY_PATH=$(CURDIR)/$(BUILD) ./$(BUILD)/test_unload

# No code, state or nonce reaches free() unwiped (a free() wrapper counts them).
$(BUILD)/secret_scanner.so: Tests/c/secret_scanner.c
	$(CC) $(CFLAGS_STRICT) -shared -fPIC $< -o $@ -ldl
test-secrets: $(BUILD)/test_secrets $(BUILD)/secret_scanner.so
	LD_PRELOAD=$(CURDIR)/$(BUILD)/secret_scanner.so ./$(BUILD)/test_secrets

# Every allocation of a set of calls made to fail in turn (a malloc() that
# fails once, at the Nth call): a status or the Swift runtime's own abort.
$(BUILD)/failing_malloc.so: Tests/c/failing_malloc.c
	$(CC) $(CFLAGS_STRICT) -shared -fPIC $< -o $@
test-oom: $(BUILD)/test_oom $(BUILD)/failing_malloc.so
	LD_PRELOAD=$(CURDIR)/$(BUILD)/failing_malloc.so ./$(BUILD)/test_oom

# libcurl is loaded on first use: not before, and refused cleanly when it is
# missing, too old or the GnuTLS flavour (each put first on the search path).
test-loading: $(BUILD)/test_loading $(BUILD)/old-curl/libcurl.so.4
	./$(BUILD)/test_loading ok
	mkdir -p $(BUILD)/no-curl $(BUILD)/gnutls-curl
	: > $(BUILD)/no-curl/libcurl.so.4
	ln -sf /usr/lib/$(MULTIARCH)/libcurl-gnutls.so.4 $(BUILD)/gnutls-curl/libcurl.so.4
	LD_LIBRARY_PATH=$(BUILD)/no-curl ./$(BUILD)/test_loading missing
	LD_LIBRARY_PATH=$(BUILD)/old-curl ./$(BUILD)/test_loading old
	LD_LIBRARY_PATH=$(BUILD)/gnutls-curl ./$(BUILD)/test_loading gnutls

# Sanitizers: swift test, and the C suites against a libpkce built with the
# same sanitizer (a debug build that uses the toolchain's Swift runtime), with
# the toolchain's clang. test-secrets is left out (its free() wrapper and
# ASan's allocator exclude each other), and so is test-loading (it swaps
# libcurl under the process).
TOOLCHAIN := $(dir $(realpath $(shell command -v $(SWIFT) 2>/dev/null)))
SAN_CC := $(TOOLCHAIN)clang
SWIFT_RUNTIME := $(TOOLCHAIN)../lib/swift/linux
# malloc returns NULL for a size it cannot give, as the C library's does,
# instead of the sanitizer aborting: the tests of allocation failure need it.
SAN_MALLOC := ASAN_OPTIONS=allocator_may_return_null=1 TSAN_OPTIONS=allocator_may_return_null=1
SAN_C_TESTS := test_primitives test_client test_attempt test_token test_https test_oidc test_signin test_tokens test_process

define sanitized
test-$(1)san: venv $(STATUS_LIST)
	LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/sanitizers/lsan.supp $(SAN_MALLOC) \
	    $(SWIFT) test --sanitize=$(2) --scratch-path .build-$(1)san
	$(SWIFT) build --product pkce --sanitize=$(2) --scratch-path .build-$(1)san
	@mkdir -p $(BUILD)/$(1)san
	for t in $(SAN_C_TESTS); do \
	  $(SAN_CC) -fsanitize=$(2) -g -O1 -std=c11 -Wall -Wextra -Werror -Iinclude -I$(BUILD) Tests/c/$$$$t.c \
	    -o $(BUILD)/$(1)san/$$$$t -L.build-$(1)san/debug -lpkce -Wl,-rpath,$(CURDIR)/.build-$(1)san/debug \
	    -Wl,-rpath,$(SWIFT_RUNTIME) $$$$(case $$$$t in test_https|test_oidc|test_signin|test_tokens) echo -lcurl -lpthread;; \
	    test_process) echo -lpthread -ldl;; test_primitives) echo -lpthread;; esac) $(3) || exit 1; \
	done
	for t in test_primitives test_client test_attempt test_token; do ./$(BUILD)/$(1)san/$$$$t || exit 1; done
	./$(BUILD)/$(1)san/test_process $(4)
	sh Tests/server/with-server.sh $(PYTHON) ./$(BUILD)/$(1)san/test_https
	sh Tests/server/with-server.sh $(PYTHON) ./$(BUILD)/$(1)san/test_oidc
	sh Tests/server/with-server.sh $(PYTHON) ./$(BUILD)/$(1)san/test_signin
	sh Tests/server/with-server.sh $(PYTHON) ./$(BUILD)/$(1)san/test_tokens
endef
$(eval $(call sanitized,a,address,))
# The toolchain's ThreadSanitizer runtime intercepts libdispatch too, so it
# needs it; test_process makes 5,000 values per thread instead of 100,000
# (see why in its comment).
$(eval $(call sanitized,t,thread,-L$(SWIFT_RUNTIME) -ldispatch -lBlocksRuntime,5000))

# The ctypes binding: mypy --strict, then pytest against the same server.
test-python: $(LIB) venv
	cd bindings/python && ../../$(PYTHON) -m mypy --strict --cache-dir=../../$(BUILD)/mypy-cache libpkce tests/test_typing.py
	WITH_MCP=1 sh Tests/server/with-server.sh $(PYTHON) env LIBPKCE_PATH=$(CURDIR)/$(BUILD)/$(SONAME) \
	    PYTHONPATH=$(CURDIR)/bindings/python $(PYTHON) -m pytest -q -p no:cacheprovider bindings/python/tests

test-abi: $(LIB)
	sh Tests/c/check-abi.sh $(LIB) include/pkce.h $(HOT_PATH_ORDER) "$(SWIFT_VERSION_LINE)"

test-install: $(LIB) $(BUILD)/pkce
	sh Tests/c/check-install.sh $(VERSION)

# Each fact written once (statuses, methods, sizes, the version) against every
# place that repeats or derives it: Swift, Python, the README, debian/.
test-facts: $(LIB) venv
	LIBPKCE_PATH=$(CURDIR)/$(BUILD)/$(SONAME) PYTHONPATH=$(CURDIR)/bindings/python $(PYTHON) Tests/facts/check_facts.py

# iddawc is the C peer measured in `make bench`; see Tests/bench/setup-iddawc.sh.
IDDAWC := $(BUILD)/iddawc
IDDAWC_FLAGS = -DHAVE_IDDAWC -I$(IDDAWC)/usr/include -I$(IDDAWC)/usr/include/$(MULTIARCH) \
	-l:libiddawc.so.1.1 -l:liborcania.so.2.3
BENCH_APT_PACKAGES := nginx-light jq

bench: $(BUILD)/bench_pkce $(BUILD)/bench_dlopen $(BUILD)/bench_https $(BUILD)/bench_oidc $(BUILD)/bench_listener $(BUILD)/bench_tokens \
	$(BUILD)/bench_dpop \
	$(BUILD)/pkce $(BUILD)/bench-floor/libfloor.so venv
	@$(MAKE) -s deps APT_PACKAGES="$(BENCH_APT_PACKAGES)"
	LD_LIBRARY_PATH=$(CURDIR)/$(BUILD) ./$(BUILD)/bench_pkce
	$(PYTHON) Tests/bench/bench_https.py ./$(BUILD)/bench_https $(BUILD)/bench-nginx
	$(PYTHON) Tests/bench/bench_dpop.py ./$(BUILD)/bench_dpop $(BUILD)/bench-dpop
	LIBPKCE_PATH=$(CURDIR)/$(BUILD)/$(SONAME) PYTHONPATH=$(CURDIR)/bindings/python \
	    $(PYTHON) Tests/bench/bench_oidc.py ./$(BUILD)/bench_oidc $(BUILD)/bench-oidc
	@$(MAKE) -s wheel >/dev/null
	LIBPKCE_PATH=$(CURDIR)/$(BUILD)/$(SONAME) PYTHONPATH=$(CURDIR)/bindings/python BENCH_LIBRARY=$(LIB) \
	    BENCH_FLOOR_LIBRARY=$(BUILD)/bench-floor/libfloor.so \
	    BENCH_WHEEL_DIR=$(WHEEL_DIR)/repaired $(PYTHON) Tests/bench/bench_python.py
	LD_LIBRARY_PATH=$(CURDIR)/$(BUILD) $(PYTHON) Tests/bench/bench_signin.py ./$(BUILD)/bench_listener ./$(BUILD)/pkce
	LD_LIBRARY_PATH=$(CURDIR)/$(BUILD) $(PYTHON) Tests/bench/bench_tokens.py ./$(BUILD)/bench_tokens ./$(BUILD)/pkce \
	    $(BUILD)/bench-tokens
	WITH_MCP=1 LD_LIBRARY_PATH=$(CURDIR)/$(BUILD) sh Tests/server/with-server.sh $(PYTHON) \
	    $(PYTHON) Tests/bench/bench_resource.py ./$(BUILD)/pkce Tests/signin/scripted-browser
	@$(MAKE) -s deps APT_PACKAGES="$(KEYRING_APT_PACKAGES)"
	LD_LIBRARY_PATH=$(CURDIR)/$(BUILD) sh Tests/keyring/with-keyring.sh service $(PYTHON) \
	    $(PYTHON) Tests/bench/bench_keyring.py ./$(BUILD)/pkce $(CURDIR)/$(BUILD)/$(SONAME)

# Rewrites the hot-path order from what a token exchange runs under
# callgrind (Tests/bench/hot_path.py); `make test-abi` says when it is stale.
hot-path: $(BUILD)/hot_exchange venv
	@$(MAKE) -s deps APT_PACKAGES="$(BENCH_APT_PACKAGES)"
	cd Tests/bench && ../../$(PYTHON) hot_path.py ../../$(BUILD)/hot_exchange ../../$(LIB) ../../$(BUILD)/hot-path \
	    ../../$(HOT_PATH_ORDER) "$(SWIFT_VERSION_LINE)"
	$(MAKE) $(LIB)

# What the statically linked Swift standard library and runtime weigh alone:
# Tests/bench/floor.swift, linked as the library is (release flags, the
# same linker flags, SwiftPM's --gc-sections).
$(BUILD)/bench-floor/libfloor.so: Tests/bench/floor.swift | $(STATIC_CXX)
	@mkdir -p $(@D)
	$(SWIFTC) -O -wmo -parse-as-library -emit-library -static-stdlib -no-toolchain-stdlib-rpath $(SWIFT_SECTION_FLAGS) $(SWIFT_LINK_FLAGS) \
	    -Xlinker --gc-sections -module-name Floor $< -o $@

$(BUILD)/bench_pkce $(BUILD)/bench_https: $(IDDAWC)/usr/include/iddawc.h
$(IDDAWC)/usr/include/iddawc.h:
	sh Tests/bench/setup-iddawc.sh $(IDDAWC)

install: $(LIB) $(BUILD)/install/pkce man
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man3
	install -m 0644 $(MAN_DIR)/man3/*.3 $(DESTDIR)$(MANDIR)/man3/
	install -m 0755 $(BUILD)/install/pkce $(DESTDIR)$(BINDIR)/pkce
	install -m 0644 docs/man/pkce.1 $(DESTDIR)$(MANDIR)/man1/pkce.1
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
	rm -f $(DESTDIR)$(BINDIR)/pkce $(DESTDIR)$(MANDIR)/man1/pkce.1
	cd $(MAN_DIR)/man3 && for page in *.3; do rm -f $(DESTDIR)$(MANDIR)/man3/$$page; done

# libFuzzer + AddressSanitizer over each parser that reads what a server or
# a browser sends, one target at a time with its own corpus (committed, in
# Tests/fuzz/corpus) and dictionary: `make fuzz` runs each for FUZZ_RUNS
# executions (ten million; at most FUZZ_SECONDS), two at a time, and merges
# what adds coverage into the corpus; make test runs each for a few seconds
# (fuzz-smoke). The core and PKCEOIDC are compiled as
# one module, with OpenSSL and nothing of libcurl.
FUZZ_RUNS ?= 10000000
FUZZ_SECONDS ?= 3600
FUZZER := $(BUILD)/fuzz/fuzz_parsers
FUZZ_SOURCES := $(wildcard Sources/PKCE/*.swift Sources/PKCEOIDC/*.swift Sources/CJOSE/*.c) Tests/fuzz/FuzzTarget.swift
$(FUZZER): $(FUZZ_SOURCES) | deps
	@mkdir -p $(@D)
	for c in Sources/CJOSE/*.c; do \
	    clang -c -O1 -fsanitize=address $$c -ISources/CJOSE/include -o $(BUILD)/fuzz/$$(basename $$c .c).o || exit 1; \
	done
	$(SWIFTC) -O -sanitize=fuzzer,address -parse-as-library -package-name libpkce -module-name PKCE \
	    Sources/PKCE/*.swift Sources/PKCEOIDC/*.swift Tests/fuzz/FuzzTarget.swift -I Sources/COpenSSL \
	    -I Sources/CJOSE/include $(BUILD)/fuzz/lpk_jose.o $(BUILD)/fuzz/lpk_sign.o -lcrypto -suppress-warnings -o $@
fuzz: $(FUZZER)
	MERGE=1 RUNS=$(FUZZ_RUNS) sh Tests/fuzz/run.sh ./$(FUZZER) $(FUZZ_SECONDS) 2
fuzz-smoke: $(FUZZER)
	sh Tests/fuzz/run.sh ./$(FUZZER) 4 2

# Debian packages (libpkce0, libpkce-dev, pkce-tools, python3-libpkce,
# libpkce-doc, -dbgsym) built from a copy of the tree into $(DEB_DIR), then
# checked with lintian.
DEB_DIR ?= $(BUILD)/deb
# The source as packaged: the tree without what builds make (DEB_SOURCE: a tarball of it instead).
SOURCE_TAR := tar --exclude=./build --exclude=./.build --exclude=./.git -cf - .
DEB_APT_PACKAGES := debhelper dh-python dpkg-dev lintian python3-all build-essential $(DOCS_APT_PACKAGES)
deb:
	@$(MAKE) -s deps APT_PACKAGES="$(APT_PACKAGES) $(DEB_APT_PACKAGES)"
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/libpkce
	$(if $(DEB_SOURCE),tar -xf $(DEB_SOURCE),$(SOURCE_TAR) | tar -xf -) -C $(DEB_DIR)/libpkce
	cd $(DEB_DIR)/libpkce && SWIFT="$$(command -v $(SWIFT))" dpkg-buildpackage -us -uc -b
	lintian --fail-on error,warning --info $(DEB_DIR)/*.changes
	@echo "lintian: no errors, no warnings"

# Reproducible: the packages built twice from this source, in directories of
# different names and lengths, minutes apart, must be the same bytes
# (debian/rules and the "Reproducible builds" comment above say how).
check-reproducible:
	rm -rf $(BUILD)/repro && mkdir -p $(BUILD)/repro && $(SOURCE_TAR) > $(BUILD)/repro/source.tar
	$(MAKE) deb DEB_DIR=$(CURDIR)/$(BUILD)/repro/first DEB_SOURCE=$(CURDIR)/$(BUILD)/repro/source.tar
	$(MAKE) deb DEB_DIR=$(CURDIR)/$(BUILD)/repro/second-place-with-a-longer-name DEB_SOURCE=$(CURDIR)/$(BUILD)/repro/source.tar
	sh Tests/c/check-reproducible.sh $(BUILD)/repro/first $(BUILD)/repro/second-place-with-a-longer-name

# Installs the packages, runs the autopkgtests against the installed files, removes them.
test-deb: deb
	sh Tests/c/check-deb.sh $(DEB_DIR) $(VERSION)

clean:
	rm -rf $(BUILD) .build
