// SPDX-License-Identifier: MIT
/*
 * elf_lib.c - libtarget.so, a shared library for the ELF resolver tests
 * (check_probes.c): an exported function and a versioned one, tl_ver, in
 * two versions (tl_ver@VERS_1 and the default tl_ver@@VERS_2).
 */
int tl_lib(int x);
int tl_ver_old(int x);
int tl_ver_new(int x);

__attribute__((noinline)) int tl_lib(int x)
{
	return x + 7;
}

__attribute__((noinline)) int tl_ver_old(int x)
{
	return x + 1;
}

__attribute__((noinline)) int tl_ver_new(int x)
{
	return x * 2 + 2;
}

__asm__(".symver tl_ver_old, tl_ver@VERS_1");
__asm__(".symver tl_ver_new, tl_ver@@VERS_2");
