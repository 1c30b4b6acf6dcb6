// SPDX-License-Identifier: MIT
/* elf_target2.c - a second tl_dup (static) beside elf_target.c's: ambiguous. */
int tl_dup_call2(int x);

static __attribute__((noinline)) int tl_dup(int x)
{
	return x ^ 0x55;
}

int tl_dup_call2(int x)
{
	return tl_dup(x);
}
