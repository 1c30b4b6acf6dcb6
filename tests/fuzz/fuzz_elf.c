// SPDX-License-Identifier: MIT
/*
 * fuzz_elf.c - libFuzzer harness for the uprobe ELF resolver
 * (probe_uprobe_resolve, probes/uprobe.c) on corrupt files: no crash, no
 * leak, one of the documented errors with a message, and an offset that
 * lies inside the file when it succeeds.
 *
 * Input: byte 0 picks the symbol looked up (a table of names found in the
 * seed files, versioned ones, an unknown one, none: a file offset), bytes
 * 1-8 the offset (SYMBOL+OFF, or the file offset), the rest is the file.
 * The file is written to a memfd and resolved through /proc/self/fd/N.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "probes.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const symbols[] = {
	NULL,			/* a file offset */
	"main", "tl_func", "tl_lib", "tl_ver", "tl_ver@VERS_1", "tl_ver@@VERS_2",
	"tl_ver@VERS_2", "tl_ver@@VERS_1", "tl_dup", "tl_ifunc", "tl_ifunc_impl", "_start",
	"_init", "_fini", "malloc", "malloc@GLIBC_2.2.5", "free", "printf", "nosuch",
	"environ", "tl_counter", "@", "@@", "x@", "a@@b@c",
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	"aaaaaaaaaaaaaaaaaaaaaaaaa",
	"tl_li",		/* no such function: the message lists close names */
};

static int fd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fd = memfd_create("fuzz_elf", MFD_CLOEXEC);
	if (fd < 0) {
		perror("memfd_create");
		exit(2);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *sym;
	uint64_t off, file_off = UINT64_MAX;
	size_t n, i;
	char err[2048];
	int r;

	if (size < 9)
		return 0;
	sym = symbols[data[0] % (sizeof(symbols) / sizeof(symbols[0]))];
	memcpy(&off, data + 1, 8);
	if (sym && data[0] & 0x80)
		off &= 0xff;	/* mostly small offsets into a function */
	data += 9;
	size -= 9;
	if (ftruncate(fd, 0) < 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();

	err[0] = '\0';
	r = probe_uprobe_resolve(path, sym, off, &file_off, err, sizeof(err));
	if (r < 0) {
		FUZZ_CHECK(r == -ENOENT || r == -ENOEXEC || r == -EINVAL || r == -ENOMEM,
			   "ret %d: %s", r, err);
		n = strnlen(err, sizeof(err));
		FUZZ_CHECK(n > 0 && n < sizeof(err), "no message (ret %d)", r);
		/* names in the message may come from the file: one line still */
		for (i = 0; i < n && err[i] != '\n'; i++)
			;
		FUZZ_NOTE(i == n, "a newline in the message: %s", err);
		FUZZ_CHECK(file_off == UINT64_MAX, "offset set on error");
		return 0;
	}
	FUZZ_CHECK(r == 0, "ret %d", r);
	if (!sym)
		FUZZ_CHECK(file_off == off, "file offset %" PRIx64 " for %" PRIx64, file_off, off);
	/* where the kernel will put the breakpoint: inside the file */
	FUZZ_NOTE(file_off < size, "%s+%" PRIu64 " resolves to 0x%" PRIx64
		  ", past the end of a %zu-byte file", sym ? sym : "(offset)", off, file_off, size);
	return 0;
}
