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
	    libjansson-dev jq
PKG_LIBS := libtraceevent libtracefs libelf
PKG_TEST := check jansson

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wcast-qual
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 $(WARN) -D_GNU_SOURCE -DTRACELOGD_VERSION='"$(VERSION)"' \
	    -MMD -MP -pthread -Iengine -Iprobes -Idaemon
LDFLAGS  += -pthread
ifdef WERROR
CFLAGS   += -Werror
endif
ifdef SANITIZE
CFLAGS   += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -O1
LDFLAGS  += -fsanitize=$(SANITIZE)
endif

# pkg-config, with a message naming the Debian package when one is missing.
pkg = $(shell pkg-config --$(1) $(2) 2>/dev/null)
define need_pkg
$(if $(shell pkg-config --exists $(1) && echo y),,$(error pkg-config cannot find $(1): install Debian package $(2) (or run 'sudo make deps')))
endef

ENGINE_SRC := $(wildcard engine/*.c)
PROBES_SRC := $(wildcard probes/*.c)
DAEMON_SRC := $(filter-out daemon/main.c,$(wildcard daemon/*.c))
UNIT_SRC   := $(wildcard tests/unit/check_*.c)
ITEST_SRC  := $(wildcard tests/integration/check_*.c)
HELPERS    := $(wildcard tests/integration/helper_*.c)

ENGINE_OBJ := $(ENGINE_SRC:%.c=$(BUILD)/%.o)
PROBES_OBJ := $(PROBES_SRC:%.c=$(BUILD)/%.o)
DAEMON_OBJ := $(DAEMON_SRC:%.c=$(BUILD)/%.o)
LIBS_A     := $(BUILD)/libdaemon.a $(BUILD)/libprobes.a $(BUILD)/libengine.a

UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
ITEST_BIN  := $(ITEST_SRC:tests/integration/%.c=$(BUILD)/tests/%)
HELPER_BIN := $(HELPERS:tests/integration/%.c=$(BUILD)/tests/%)

.PHONY: all deps run check check-unit check-integration check-valgrind bench clean help

all: $(BUILD)/tracelogd

help:
	@echo "make            build $(BUILD)/tracelogd"
	@echo "sudo make run   install missing packages, build, trace exec/exit as JSON lines"
	@echo "sudo make check install missing packages, build, run unit + integration tests"
	@echo "make check-unit unit tests only (no root)"
	@echo "make check-valgrind  unit tests under valgrind memcheck"
	@echo "sudo make check-vm   kprobe tests in a VM (Debian cloud kernel, qemu TCG)"
	@echo "make SANITIZE=address,undefined | SANITIZE=thread   sanitizer builds"
	@echo "sudo make bench benchmark against perf (BENCH_ARGS=\"-n CALLS -r RUNS\")"

deps:
	@sh ./tools/deps.sh $(DEB_PKGS)

LIB_CFLAGS = $(call pkg,cflags,$(PKG_LIBS))
LIB_LDLIBS = $(call pkg,libs,$(PKG_LIBS))
TEST_CFLAGS = $(call pkg,cflags,$(PKG_TEST))
TEST_LDLIBS = $(call pkg,libs,$(PKG_TEST))

$(BUILD)/%.o: %.c
	$(call need_pkg,libtraceevent,libtraceevent-dev)
	$(call need_pkg,libtracefs,libtracefs-dev)
	$(call need_pkg,libelf,libelf-dev)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LIB_CFLAGS) -c -o $@ $<

$(BUILD)/libengine.a: $(ENGINE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/libprobes.a: $(PROBES_OBJ)
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

$(BUILD)/tests/helper_%: tests/integration/helper_%.c
	@mkdir -p $(dir $@)
	$(CC) -O1 -g -std=gnu11 -Wall -o $@ $<

run: deps
	$(MAKE) all
	@sh ./tools/tracefs-check.sh
	./$(BUILD)/tracelogd -e sched/sched_process_exec -e sched/sched_process_exit -o -

check: deps
	$(MAKE) all check-unit check-integration

export LSAN_OPTIONS = suppressions=$(CURDIR)/tests/sanitizer.supp
export UBSAN_OPTIONS = print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS = halt_on_error=1

check-unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

check-integration: $(BUILD)/tracelogd $(ITEST_BIN) $(HELPER_BIN)
	@set -e; for t in $(ITEST_BIN); do echo "== $$t"; \
		TRACELOGD=$(BUILD)/tracelogd HELPERS=$(BUILD)/tests $$t; done

check-valgrind: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== valgrind $$t"; \
		CK_FORK=no valgrind -q --error-exitcode=1 --leak-check=full \
		--suppressions=tests/valgrind.supp \
		--errors-for-leak-kinds=definite $$t; done

# kprobes in a VM: boots Debian's cloud kernel under qemu TCG (tests/vm/)
.PHONY: check-vm
check-vm: $(BUILD)/tracelogd
	sh tests/vm/check-vm.sh $(BUILD)/tracelogd

BENCH_BIN := $(BUILD)/bench/gen_getppid $(BUILD)/bench/gen_exec

$(BUILD)/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -std=gnu11 -Wall -Wextra -o $@ $<

# the benchmark: tracelogd beside perf on the same storms (see bench/README.md)
bench: deps $(BUILD)/tracelogd $(BENCH_BIN)
	@sh ./tools/deps.sh linux-perf time
	bash bench/run.sh -b $(BUILD) $(BENCH_ARGS)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
