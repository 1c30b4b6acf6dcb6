// SPDX-License-Identifier: MIT
/*
 * elf_target.c - an executable for the ELF resolver tests (check_probes.c),
 * built PIE, non-PIE and stripped.  "elf_target --offsets" prints where its
 * functions are in their files, as the kernel sees it: the runtime address
 * mapped back through /proc/self/maps.  The tests compare that with what
 * libelf says.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tl_lib(int x);
int tl_ver(int x);
int tl_func(int x);
int tl_dup_call2(int x);
int tl_ifunc(int x);

int tl_data_object = 42;

__attribute__((noinline)) int tl_func(int x)
{
	return x * 3 + 1;
}

static __attribute__((noinline)) int tl_dup(int x)
{
	return x ^ 0xaa;
}

static int tl_ifunc_impl(int x)
{
	return x + 5;
}

static void *tl_ifunc_resolve(void)
{
	return (void *)tl_ifunc_impl;
}

int tl_ifunc(int x) __attribute__((ifunc("tl_ifunc_resolve")));

/* the file offset of a code address, from /proc/self/maps */
static unsigned long file_offset(const void *addr)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long lo, hi, off, a = (unsigned long)addr;
	char line[512];

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %*s %lx", &lo, &hi, &off) == 3 && a >= lo && a < hi) {
			fclose(f);
			return a - lo + off;
		}
	if (f)
		fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	void *lib, *v1, *v2, *l;

	if (argc < 2 || strcmp(argv[1], "--offsets"))
		return tl_func(argc) + tl_dup(argc) + tl_dup_call2(argc) + tl_lib(argc) +
		       tl_ver(argc) + tl_ifunc(argc) + tl_data_object;
	lib = dlopen("libtarget.so", RTLD_NOW | RTLD_NOLOAD);
	/*
	 * The library's own addresses, from dlsym on its handle: &tl_lib in a
	 * non-PIE executable is the executable's PLT stub.
	 */
	l = lib ? dlsym(lib, "tl_lib") : NULL;
	v1 = lib ? dlvsym(lib, "tl_ver", "VERS_1") : NULL;
	v2 = lib ? dlvsym(lib, "tl_ver", "VERS_2") : NULL;
	printf("tl_func 0x%lx\n", file_offset((void *)tl_func));
	printf("tl_lib 0x%lx\n", l ? file_offset(l) : 0);
	printf("tl_ver 0x%lx\n", v2 ? file_offset(v2) : 0);
	printf("tl_ver@VERS_1 0x%lx\n", v1 ? file_offset(v1) : 0);
	return 0;
}
