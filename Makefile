# tracelogd - build, run, test.  `make help` lists the targets.

VERSION  := 0.1.0
comma    := ,
# sanitizer builds go to their own directory: build-address-undefined, build-thread
BUILD    ?= build$(if $(SANITIZE),-$(subst $(comma),-,$(SANITIZE)))
PREFIX   ?= /usr/local
DESTDIR  ?=
CC       ?= cc

# Debian packages the build and the tests need (make deps installs them).
DEB_PKGS := gcc make pkg-config libtraceevent-dev libtracefs-dev libelf-dev check \
	    libjansson-dev jq libinih-dev libsystemd-dev
# and what only the checks need: memcheck, libFuzzer (clang and its runtime),
# strace for the security checks
DEB_TEST_PKGS := valgrind clang libclang-rt-14-dev strace
PKG_LIBS := libtraceevent libtracefs libelf inih libsystemd
PKG_TEST := check jansson

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wcast-qual
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 $(WARN) -D_GNU_SOURCE -DTRACELOGD_VERSION='"$(VERSION)"' \
	    -MMD -MP -pthread -Iengine -Iprobes -Idaemon -Iconf
LDFLAGS  += -pthread
ifdef WERROR
CFLAGS   += -Werror
endif
ifdef SANITIZE
# -Wno-nonnull: UBSan's nonnull-attribute check adds a branch where the
# pointer is NULL, and GCC 12 then warns that memrchr() is called with NULL
# on it (daemon/sink.c); the build without sanitizers keeps the warning
CFLAGS   += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -O1 -Wno-nonnull
LDFLAGS  += -fsanitize=$(SANITIZE)
endif

# pkg-config, with a message naming the Debian package when one is missing.
pkg = $(shell pkg-config --$(1) $(2) 2>/dev/null)
define need_pkg
$(if $(shell pkg-config --exists $(1) && echo y),,$(error pkg-config cannot find $(1): install Debian package $(2) (or run 'sudo make deps')))
endef

ENGINE_SRC := $(wildcard engine/*.c)
PROBES_SRC := $(wildcard probes/*.c)
CONF_SRC   := $(wildcard conf/*.c)
DAEMON_SRC := $(filter-out daemon/main.c,$(wildcard daemon/*.c))
UNIT_SRC   := $(wildcard tests/unit/check_*.c)
ITEST_SRC  := $(wildcard tests/integration/check_*.c)
HELPERS    := $(wildcard tests/integration/helper_*.c)
FAULT_SRC  := $(wildcard tests/faults/check_*.c)

ENGINE_OBJ := $(ENGINE_SRC:%.c=$(BUILD)/%.o)
PROBES_OBJ := $(PROBES_SRC:%.c=$(BUILD)/%.o)
CONF_OBJ   := $(CONF_SRC:%.c=$(BUILD)/%.o)
DAEMON_OBJ := $(DAEMON_SRC:%.c=$(BUILD)/%.o)
LIBS_A     := $(BUILD)/libdaemon.a $(BUILD)/libconf.a $(BUILD)/libprobes.a $(BUILD)/libengine.a

UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
ITEST_BIN  := $(ITEST_SRC:tests/integration/%.c=$(BUILD)/tests/%)
HELPER_BIN := $(HELPERS:tests/integration/%.c=$(BUILD)/tests/%)
FAULT_BIN  := $(FAULT_SRC:tests/faults/%.c=$(BUILD)/tests/faults/%)

# handler plugins (daemon/tracelogd-plugin.h): daemon/plugins/NAME.c into
# $(BUILD)/plugins/NAME.so; -z defs proves they need nothing of the daemon
PLUGIN_SRC := $(wildcard daemon/plugins/*.c)
PLUGIN_SO  := $(PLUGIN_SRC:daemon/plugins/%.c=$(BUILD)/plugins/%.so)
PLUGIN_LDFLAGS := -fPIC -shared $(if $(SANITIZE),,-Wl,-z,defs)

.PHONY: all deps deps-test run check check-fast check-unit check-integration check-valgrind \
	check-sanitize check-sanitized bench clean help

all: $(BUILD)/tracelogd $(PLUGIN_SO)

help:
	@echo "make            build $(BUILD)/tracelogd"
	@echo "sudo make run   install missing packages, build, trace exec/exit as JSON lines"
	@echo "sudo make check install missing packages, build, run every test: unit, integration,"
	@echo "                faults, kprobe VM, systemd, valgrind, fuzz-ci, sanitizers (WERROR=1 in CI)"
	@echo "sudo make check-fast  unit + integration, no VM or container"
	@echo "make check-unit unit tests only (no root)"
	@echo "make check-valgrind  unit tests under valgrind memcheck"
	@echo "sudo make check-sanitize  unit, integration, faults under ASan+UBSan, then TSan"
	@echo "                (build-address-undefined/, build-thread/; SAN_SOAK_SECONDS, 30)"
	@echo "sudo make check-faults  kill -9, signals, CPU hotplug, a long storm (SOAK_SECONDS)"
	@echo "sudo make check-vm   kprobe tests in a VM (Debian cloud kernel, qemu TCG)"
	@echo "sudo make check-systemd  the unit under real systemd (debootstrap + systemd-nspawn)"
	@echo "make install    binary, unit, config (DESTDIR, PREFIX)"
	@echo "make SANITIZE=address,undefined | SANITIZE=thread   sanitizer builds"
	@echo "sudo make bench benchmark against perf (BENCH_ARGS=\"-n CALLS -r RUNS\")"
	@echo "make fuzz       libFuzzer harnesses (clang), FUZZ_SECONDS (60) each; fuzz-ci: 20 s"

deps:
	@sh ./tools/deps.sh $(DEB_PKGS)

deps-test: deps
	@sh ./tools/deps.sh $(DEB_TEST_PKGS)

LIB_CFLAGS = $(call pkg,cflags,$(PKG_LIBS))
LIB_LDLIBS = $(call pkg,libs,$(PKG_LIBS))
TEST_CFLAGS = $(call pkg,cflags,$(PKG_TEST))
TEST_LDLIBS = $(call pkg,libs,$(PKG_TEST))

$(BUILD)/%.o: %.c
	$(call need_pkg,libtraceevent,libtraceevent-dev)
	$(call need_pkg,libtracefs,libtracefs-dev)
	$(call need_pkg,libelf,libelf-dev)
	$(call need_pkg,inih,libinih-dev)
	$(call need_pkg,libsystemd,libsystemd-dev)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LIB_CFLAGS) -c -o $@ $<

$(BUILD)/libengine.a: $(ENGINE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/libprobes.a: $(PROBES_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/libconf.a: $(CONF_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/libdaemon.a: $(DAEMON_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/tracelogd: $(BUILD)/daemon/main.o $(LIBS_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIB_LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIBS_A)
	$(call need_pkg,check,check)
	$(call need_pkg,jansson,libjansson-dev)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LIB_CFLAGS) $(TEST_CFLAGS) -Itests -o $@ $< $(LIBS_A) $(LIB_LDLIBS) $(TEST_LDLIBS)

$(BUILD)/tests/%: tests/integration/%.c tests/integration/itest.c tests/integration/itest.h $(LIBS_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LIB_CFLAGS) $(TEST_CFLAGS) -Itests -o $@ $< tests/integration/itest.c $(LIBS_A) $(LIB_LDLIBS) $(TEST_LDLIBS)

$(BUILD)/tests/faults/%: tests/faults/%.c tests/integration/itest.c tests/integration/itest.h $(LIBS_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LIB_CFLAGS) $(TEST_CFLAGS) -Itests -o $@ $< tests/integration/itest.c $(LIBS_A) $(LIB_LDLIBS) $(TEST_LDLIBS)

$(BUILD)/tests/helper_%: tests/integration/helper_%.c
	@mkdir -p $(dir $@)
	$(CC) -O1 -g -std=gnu11 -Wall -o $@ $<

# helper_probe2 is helper_probe with its function at another offset (#include)
$(BUILD)/tests/helper_probe2: tests/integration/helper_probe.c

# ELF files the probes unit tests resolve symbols in: an executable (PIE,
# non-PIE, stripped) and a shared library with versioned symbols.
ELF_DIR  := $(BUILD)/tests/elf
ELF_FIX  := $(ELF_DIR)/libtarget.so $(ELF_DIR)/target_pie $(ELF_DIR)/target_nopie \
	    $(ELF_DIR)/target_stripped
ELF_CC    = $(CC) -O1 -g -std=gnu11 -Wall
ELF_EXE   = tests/unit/elf_target.c tests/unit/elf_target2.c -L$(ELF_DIR) -ltarget \
	    -Wl,-rpath,'$$ORIGIN'

$(ELF_DIR)/libtarget.so: tests/unit/elf_lib.c tests/unit/elf_lib.map
	@mkdir -p $(dir $@)
	$(ELF_CC) -shared -fPIC -Wl,--version-script=tests/unit/elf_lib.map -o $@ $<
$(ELF_DIR)/target_pie: tests/unit/elf_target.c tests/unit/elf_target2.c $(ELF_DIR)/libtarget.so
	$(ELF_CC) -fPIE -pie -o $@ $(ELF_EXE)
$(ELF_DIR)/target_nopie: tests/unit/elf_target.c tests/unit/elf_target2.c $(ELF_DIR)/libtarget.so
	$(ELF_CC) -fno-pie -no-pie -o $@ $(ELF_EXE)
$(ELF_DIR)/target_stripped: tests/unit/elf_target.c tests/unit/elf_target2.c $(ELF_DIR)/libtarget.so
	$(ELF_CC) -fPIE -pie -rdynamic -s -o $@ $(ELF_EXE)

$(BUILD)/tests/check_probes: $(ELF_FIX)

$(BUILD)/plugins/%.so: daemon/plugins/%.c daemon/tracelogd-plugin.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PLUGIN_LDFLAGS) -o $@ $<

# plugins the loader must refuse or accept (tests/unit/plugin_fixture.c)
PLUGIN_FIX := $(BUILD)/tests/plugins/abi2.so $(BUILD)/tests/plugins/nodesc.so \
	      $(BUILD)/tests/plugins/initfail.so $(BUILD)/tests/plugins/good.so \
	      $(BUILD)/tests/plugins/undef.so
# a symbol nothing defines: linked without -z defs, refused by RTLD_NOW
$(BUILD)/tests/plugins/undef.so: PLUGIN_LDFLAGS := -fPIC -shared
$(BUILD)/tests/plugins/%.so: tests/unit/plugin_fixture.c daemon/tracelogd-plugin.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PLUGIN_LDFLAGS) -DFIXTURE_$(shell echo $* | tr a-z A-Z) -o $@ $<

$(BUILD)/tests/check_plugin: $(PLUGIN_SO) $(PLUGIN_FIX)
$(BUILD)/tests/check_handler: $(PLUGIN_SO)

run: deps
	$(MAKE) all
	@sh ./tools/tracefs-check.sh
	./$(BUILD)/tracelogd -e sched/sched_process_exec -e sched/sched_process_exit -o -

# everything CI runs: unit, integration (root, real kernel), the faults, the
# kprobe VM and the unit under real systemd; then the unit tests under
# valgrind, the short fuzzing run and the sanitizer builds, cheapest first
# (about 3.5, 3 and 16 minutes on the development VM), one after the other so
# that no storm runs beside another
check: deps-test
	$(MAKE) all check-unit check-integration check-faults check-vm check-systemd
	$(MAKE) check-valgrind
	$(MAKE) fuzz-ci
	$(MAKE) check-sanitize

# the everyday subset: no VM, no container
check-fast: deps
	$(MAKE) all check-unit check-integration

# SAN_LOG: a directory for every sanitizer report (log_path), set by
# check-sanitized; unset, reports go to standard error
SAN_LOG ?=
san_log = $(if $(SAN_LOG),:log_path=$(SAN_LOG)/$(1))
export LSAN_OPTIONS = suppressions=$(CURDIR)/tests/sanitizer.supp
export UBSAN_OPTIONS = print_stacktrace=1:halt_on_error=1$(call san_log,ubsan)
export TSAN_OPTIONS = halt_on_error=1$(call san_log,tsan)
ifneq ($(SAN_LOG),)
export ASAN_OPTIONS = log_path=$(SAN_LOG)/asan
endif

check-unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done
	@for m in daemon/tracelogd.8 conf/tracelogd.ini.5; do \
		if command -v man >/dev/null; then \
			w=$$(man --warnings -E UTF-8 -l $$m 2>&1 >/dev/null); \
			[ -z "$$w" ] || { echo "$$m: $$w"; exit 1; }; fi; done

check-integration: $(BUILD)/tracelogd $(ITEST_BIN) $(HELPER_BIN) $(PLUGIN_SO)
	@set -e; for t in $(ITEST_BIN); do echo "== $$t"; \
		TRACELOGD=$(BUILD)/tracelogd HELPERS=$(BUILD)/tests $$t; done

# faults (tests/faults/): kill -9, signals, hotplug, a long storm.
# SOAK_SECONDS sets the long storm's length (600).
.PHONY: check-faults
check-faults: $(BUILD)/tracelogd $(FAULT_BIN) $(HELPER_BIN) $(PLUGIN_SO)
	@set -e; for t in $(FAULT_BIN); do echo "== $$t"; \
		TRACELOGD=$(BUILD)/tracelogd HELPERS=$(BUILD)/tests $$t; done

check-valgrind: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== valgrind $$t"; \
		CK_FORK=no valgrind -q --error-exitcode=1 --leak-check=full \
		--suppressions=tests/valgrind.supp \
		--errors-for-leak-kinds=definite $$t; done

# Sanitizers: the unit, integration and fault suites built with ASan and
# UBSan, then with TSan, each into its own directory (as SANITIZE= does), run
# one after the other.  Every report goes to a fresh directory (log_path):
# the tests kill many a tracelogd and throw its standard error away, and some
# run it as another user, so a report on standard error could go unseen.
# Any report fails the run, and is printed.  TRACELOGD_SANITIZED=1 tells
# the tests the daemon is several times slower than it ships and that the
# sanitizer's runtime holds memory of its own: only the assertions that
# nothing was lost at full storm rate and the bounds on VmRSS give way, the
# accounting is still checked exactly.  SAN_SOAK_SECONDS is the long storm
# of the fault suite.
SANITIZERS       := address,undefined thread
SAN_SOAK_SECONDS ?= 30

check-sanitize:
	@set -e; for s in $(SANITIZERS); do \
		b=build-$$(echo $$s | tr , -); echo "== sanitizer $$s: $$b"; \
		$(MAKE) --no-print-directory SANITIZE=$$s BUILD=$$b check-sanitized; done

# one sanitizer's run: make check-sanitize sets SANITIZE and BUILD
check-sanitized: $(if $(SANITIZE),$(BUILD)/tracelogd $(PLUGIN_SO) $(UNIT_BIN) $(ITEST_BIN) \
		 $(FAULT_BIN) $(HELPER_BIN))
	$(if $(SANITIZE),,$(error check-sanitized runs under make check-sanitize, which sets SANITIZE))
	@log=$$(mktemp -d /tmp/tracelogd-sanitize.XXXXXX) && chmod 1777 $$log; rc=0; \
	$(MAKE) --no-print-directory SAN_LOG=$$log TRACELOGD_SANITIZED=1 \
		SOAK_SECONDS=$(SAN_SOAK_SECONDS) check-unit check-integration check-faults || rc=$$?; \
	for f in $$log/*; do [ -e "$$f" ] || continue; rc=1; \
		echo "== $(SANITIZE) report $$f:"; cat "$$f"; done; \
	rm -rf $$log; \
	[ $$rc -eq 0 ] || echo "check-sanitize: $(SANITIZE) failed"; exit $$rc

# kprobes in a VM: boots Debian's cloud kernel under qemu TCG (tests/vm/)
.PHONY: check-vm
check-vm: $(BUILD)/tracelogd
	sh tests/vm/check-vm.sh $(BUILD)/tracelogd

# make install: the binary, the unit (its ExecStart rewritten for SBINDIR and
# SYSCONFDIR) and the configuration, unless one is there already.
SBINDIR    ?= $(PREFIX)/sbin
SYSCONFDIR ?= /etc
MANDIR     ?= $(PREFIX)/share/man
UNITDIR    ?= /lib/systemd/system
INCLUDEDIR ?= $(PREFIX)/include
PLUGINDIR  ?= $(PREFIX)/lib/tracelogd/plugins

.PHONY: install check-systemd
install: $(BUILD)/tracelogd $(PLUGIN_SO)
	install -d -m 0755 $(DESTDIR)$(SBINDIR) $(DESTDIR)$(UNITDIR)
	install -m 0755 $(BUILD)/tracelogd $(DESTDIR)$(SBINDIR)/tracelogd
	install -d -m 0755 $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PLUGINDIR)
	install -m 0644 daemon/tracelogd-plugin.h $(DESTDIR)$(INCLUDEDIR)/tracelogd-plugin.h
	install -m 0755 $(PLUGIN_SO) $(DESTDIR)$(PLUGINDIR)/
	sed -e '/^ExecStart=/s|/usr/local/sbin/|$(SBINDIR)/|' \
	    -e '/^ExecStart=/s| /etc/tracelogd/| $(SYSCONFDIR)/tracelogd/|' \
	    systemd/tracelogd.service >$(BUILD)/tracelogd.service
	install -m 0644 $(BUILD)/tracelogd.service $(DESTDIR)$(UNITDIR)/tracelogd.service
	install -d -m 0755 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5
	install -m 0644 daemon/tracelogd.8 $(DESTDIR)$(MANDIR)/man8/tracelogd.8
	install -m 0644 conf/tracelogd.ini.5 $(DESTDIR)$(MANDIR)/man5/tracelogd.ini.5
	@if [ -f conf/tracelogd.ini ]; then \
		install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/tracelogd; \
		if [ -e $(DESTDIR)$(SYSCONFDIR)/tracelogd/tracelogd.ini ]; then \
			echo "install: keeping $(DESTDIR)$(SYSCONFDIR)/tracelogd/tracelogd.ini"; \
		else \
			install -m 0644 conf/tracelogd.ini $(DESTDIR)$(SYSCONFDIR)/tracelogd/tracelogd.ini; \
		fi; \
	fi

# tracelogd under a real systemd: make install into a debootstrap'ed Debian 12,
# booted with systemd-nspawn (tests/systemd/).  SYSTEMD_MODE=full|simple|shim
# (default: full once the daemon takes -c).
check-systemd: $(BUILD)/tracelogd
	sh tests/systemd/check-systemd.sh -b $(BUILD) $(if $(SYSTEMD_MODE),-m $(SYSTEMD_MODE))

BENCH_BIN := $(BUILD)/bench/gen_getppid $(BUILD)/bench/gen_exec $(BUILD)/bench/gen_uprobe \
	     $(BUILD)/bench/sample_cost

$(BUILD)/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -std=gnu11 -Wall -Wextra -pthread -o $@ $<

# the benchmark: tracelogd beside perf on the same storms (see bench/README.md)
bench: deps $(BUILD)/tracelogd $(BENCH_BIN)
	@sh ./tools/deps.sh linux-perf time
	bash bench/run.sh -b $(BUILD) $(BENCH_ARGS)

# Fuzzing: libFuzzer harnesses (tests/fuzz/fuzz_*.c) built with clang, ASan
# and UBSan into $(BUILD)/fuzz/, the library code instrumented for coverage.
# make fuzz runs each for FUZZ_SECONDS and prints executions and coverage;
# make fuzz-ci is the short run CI can afford.  See tests/fuzz/README.md.
FUZZ_CC         ?= clang
FUZZ_SECONDS    ?= 60
FUZZ_CI_SECONDS ?= 20
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES   := $(FUZZ_SRC:tests/fuzz/%.c=%)
FUZZ_BIN     := $(FUZZ_NAMES:%=$(FUZZ_DIR)/%)
FUZZ_LIB_OBJ := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(ENGINE_SRC) $(PROBES_SRC) $(DAEMON_SRC) \
		$(wildcard conf/*.c))
FUZZ_CFLAGS  := -std=gnu11 -O1 -g $(WARN) -D_GNU_SOURCE -DTRACELOGD_VERSION='"$(VERSION)"' \
		-MMD -MP -pthread -Iengine -Iprobes -Idaemon -Iconf -Itests/fuzz \
		-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
		-DFUZZ_FORMATS_DIR='"$(CURDIR)/tests/fuzz/formats"'

.PHONY: fuzz fuzz-ci fuzz-build
fuzz-build: $(FUZZ_BIN)

$(FUZZ_DIR)/obj/%.o: %.c
	$(if $(shell command -v $(FUZZ_CC)),,$(error $(FUZZ_CC) not found: install Debian package clang (libFuzzer comes with it)))
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(LIB_CFLAGS) -c -o $@ $<

$(FUZZ_DIR)/libfuzzlib.a: $(FUZZ_LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_DIR)/libfuzzlib.a
	$(call need_pkg,jansson,libjansson-dev)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(LIB_CFLAGS) $(call pkg,cflags,jansson) \
		-o $@ $< $(FUZZ_DIR)/libfuzzlib.a $(LIB_LDLIBS) $(call pkg,libs,jansson)

fuzz: $(FUZZ_BIN)
	sh tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_NAMES)

# from the seeds each time, in a directory of its own that goes afterwards:
# the finds of make fuzz stay as they are, and CI leaves nothing behind but,
# on a failure, the logs and the input in $(FUZZ_DIR)/ci-failed/
fuzz-ci: $(FUZZ_BIN)
	@d=$$(mktemp -d /tmp/tracelogd-fuzz-ci.XXXXXX); rc=0; \
	for b in $(abspath $(FUZZ_BIN)); do ln -s $$b $$d/; done; \
	sh tests/fuzz/run.sh $$d $(FUZZ_CI_SECONDS) $(FUZZ_NAMES) || rc=$$?; \
	if [ $$rc -ne 0 ]; then rm -rf $(FUZZ_DIR)/ci-failed; mkdir -p $(FUZZ_DIR)/ci-failed; \
		cp -r $$d/artifacts $$d/*.log $(FUZZ_DIR)/ci-failed/; \
		echo "fuzz-ci: logs and inputs kept in $(FUZZ_DIR)/ci-failed/"; fi; \
	rm -rf $$d; exit $$rc

clean:
	rm -rf $(BUILD) $(if $(SANITIZE),,$(foreach s,$(SANITIZERS),build-$(subst $(comma),-,$(s))))

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
