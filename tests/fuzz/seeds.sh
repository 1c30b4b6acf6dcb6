#!/bin/sh
# SPDX-License-Identifier: MIT
#
# seeds.sh - (re)make the seed corpora of tests/fuzz/corpus/ from the canned
# formats, hand-written texts and small ELF files.  The seeds are committed;
# run this after changing tests/fuzz/formats/ or a harness's input layout:
#
#   make all build/tests/check_probes    # libengine.a and the ELF fixtures
#   sh tests/fuzz/seeds.sh [BUILD]       # BUILD: build (default)
#
# fuzz_decoder and fuzz_format: gen_seeds.c, one record and one text per
# distinct event shape.  fuzz_json, fuzz_probe_spec, fuzz_conf: below.
# fuzz_elf: the unit tests' ELF fixtures and /bin/true, stripped of debug
# info, whole, truncated and with a corrupted header.  Files named by a
# SHA-1 are finds of fuzzing runs merged in (-merge=1, small ones only):
# kept as they are.
set -eu

src=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
corpus=$src/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# clean HARNESS: remove the seeds made here, keep the finds merged in from
# fuzzing runs (named by their SHA-1 by libFuzzer's -merge=1)
clean() {
	mkdir -p "$corpus/$1"
	find "$corpus/$1" -type f -regextype posix-extended ! -regex '.*/[0-9a-f]{40}' -delete
}

# ---- fuzz_decoder, fuzz_format
clean fuzz_decoder
clean fuzz_format
${CC:-cc} -std=gnu11 -O1 -g -D_GNU_SOURCE -I"$src/../../engine" -I"$src" \
	-o "$tmp/gen_seeds" "$src/gen_seeds.c" "$build/libengine.a" \
	$(pkg-config --libs libtraceevent libtracefs) -pthread
"$tmp/gen_seeds" "$src/formats" "$corpus/fuzz_decoder" "$corpus/fuzz_format"

# seed NAME HARNESS: stdin to corpus/HARNESS/NAME
seed() {
	mkdir -p "$corpus/$2"
	cat >"$corpus/$2/$1"
}

# ---- fuzz_json: byte 0 (capacity, prefix), then the value
clean fuzz_json
printf '\000hello, world' | seed ascii fuzz_json
printf '\063/usr/bin/ls -la "quoted" back\\slash' | seed escapes fuzz_json
printf '\000tab\there\nnewline\r\001\037\177 del' | seed controls fuzz_json
printf '\021caf\303\251 \342\202\254 \360\237\230\200 \344\270\255' | seed utf8 fuzz_json
printf '\000line\342\200\250sep\342\200\251para' | seed u2028 fuzz_json
printf '\000\300\200 overlong' | seed overlong fuzz_json
printf '\000\355\240\200 surrogate' | seed surrogate fuzz_json
printf '\000\364\220\200\200 above' | seed above_max fuzz_json
printf '\000truncated \342\202' | seed truncated fuzz_json
printf '\000a\377b\200c' | seed stray fuzz_json
printf '\000nul\000inside' | seed nul fuzz_json
printf '\377aaaaaaaaaaaaaaa"bbbbbbbbbbbbbbb\\ccccccccccccccccc\001ddddddddddddddd\303\251' | seed blocks fuzz_json
printf '\000\377\377\377\377\377\377\377\177\377\311\232\073' | seed numbers_max fuzz_json
printf '\000\000\000\000\000\000\000\000\200\000\000\000\000' | seed numbers_min fuzz_json
printf '\000\200\063\331\077\003\000\000\000\025\315\133\007' | seed numbers_2026 fuzz_json

# ---- fuzz_probe_spec: byte 0 (mode | kind << 2), then the text
clean fuzz_probe_spec
n=0
while IFS= read -r line; do
	n=$((n + 1))
	printf '\000%s' "$line" | seed "parse$n" fuzz_probe_spec
done <<'EOF'
uprobe:readline:/bin/bash:readline
uretprobe:readline_ret:/bin/bash:readline line=+0($retval):string
uprobe:m:/lib/x86_64-linux-gnu/libc.so.6:malloc@GLIBC_2.2.5+4 size=%di:u64
uprobe:o:/usr/bin/true:0x1040 a=%di:s32 b=%si:x64 c=+8(%sp):u32
kprobe:open:do_sys_openat2 dfd=%di:s32 name=+0(%si):string
kprobe:c:foo.isra.0 a=$arg1 b=$arg2:x32 c=$comm d=$stack e=$stack3 f=@jiffies:u64
kprobe:u:f p=+u0(%si):ustring q=\123 r=\-1 s=%ax:b4@2/32 t=%bx:symbol v=%cx:symstr
kprobe:m:ext4:ext4_file_open
kprobe:o:do_sys_openat2+0x10
kprobe:a:0xffffffff81000000
kretprobe:accept:inet_csk_accept daddr=+0($retval):u32 saddr=+4($retval):u32 dport=+12($retval):u16 sport=+14($retval):u16 render.daddr=ipv4 render.dport=port
kretprobe:acc:inet_csk_accept maxactive=16 r=$retval:x64
tracepoint:exitret:syscalls/sys_exit_openat render.ret=errno
tracepoint:x:sched/sched_process_exec
kprobe:x:foo a=%di -:othergrp/y
kprobe:x:foo a=+0(+8(%si)):u8[16] b=%di:%pd c=%si:%pD
EOF
printf '\001+0(%%si):string' | seed fetch1 fuzz_probe_spec
printf '\005+8(+0($retval)):u32' | seed fetch2 fuzz_probe_spec
printf '\015%%di:b4@2/32' | seed fetch3 fuzz_probe_spec
printf '\011@+0x1040:u64[4]' | seed fetch4 fuzz_probe_spec
printf '\016readline\n/bin/bash:readline\nline=+0($retval):string\nrender.line=hex' | seed build_uprobe fuzz_probe_spec
printf '\006accept\ninet_csk_accept\ndaddr=+0($retval):u32\nmaxactive=8\nrender.daddr=ipv4' | seed build_kretprobe fuzz_probe_spec
printf '\002exec\nsched/sched_process_*\nrender.pid=hex' | seed build_glob fuzz_probe_spec

# ---- fuzz_conf: the shipped files and a few with every key
clean fuzz_conf
for f in "$src"/../../conf/tracelogd.ini "$src"/../../conf/examples/*.ini; do
	[ -f "$f" ] && seed "$(basename "$f")" fuzz_conf <"$f"
done
seed small.ini fuzz_conf <<'EOF'
[daemon]
log = -
workers = 1
ring_pages = 8
overflow = block
flush = line
handler = json, pretty
[tracepoint exec]
event = sched/sched_process_exec
filter = filename ~ "/usr/bin/*"
render.pid = hex
enabled = no
[uprobe rl]
binary = /bin/bash
function = readline
fetch = a=%di:u64
EOF
seed errors.ini fuzz_conf <<'EOF'
[daemon]
log = relative/path
ring_pages = 3
workers = 0
bogus = 1
[kprobe]
[kretprobe x]
function = inet_csk_accept
maxactive = 99999
fetch = a=$arg1 -:tracelogd/y
[tracepoint x]
event = ../sched
EOF

# ---- fuzz_elf: byte 0 the symbol (see fuzz_elf.c), 8 bytes offset, the file
clean fuzz_elf
elf_seed() { # NAME SELECTOR OFFSET_OCTAL FILE
	{ printf "$2"; printf "$3"; cat "$4"; } | seed "$1" fuzz_elf
}
z8='\000\000\000\000\000\000\000\000'
for f in libtarget.so target_pie target_nopie target_stripped; do
	[ -f "$build/tests/elf/$f" ] || continue
	strip --strip-debug -o "$tmp/$f" "$build/tests/elf/$f"
done
[ -f "$tmp/libtarget.so" ] && elf_seed lib_ver1 '\005' "$z8" "$tmp/libtarget.so"
[ -f "$tmp/libtarget.so" ] && elf_seed lib_ver '\004' "$z8" "$tmp/libtarget.so"
[ -f "$tmp/target_pie" ] && elf_seed pie_func '\002' "$z8" "$tmp/target_pie"
[ -f "$tmp/target_nopie" ] && elf_seed nopie_main '\001' "$z8" "$tmp/target_nopie"
[ -f "$tmp/target_stripped" ] && elf_seed stripped_ifunc '\012' "$z8" "$tmp/target_stripped"
strip -o "$tmp/true" /bin/true
elf_seed true_offset '\000' '\100\020\000\000\000\000\000\000' "$tmp/true"
if [ -f "$tmp/target_pie" ]; then
	head -c 4096 "$tmp/target_pie" >"$tmp/trunc4k"
	elf_seed pie_trunc4k '\002' "$z8" "$tmp/trunc4k"
	head -c 64 "$tmp/target_pie" >"$tmp/trunc64"
	elf_seed pie_trunc64 '\002' "$z8" "$tmp/trunc64"
	# section header table offset (e_shoff, bytes 40-47) pointing past the end
	{ head -c 40 "$tmp/target_pie"; printf '\377\377\377\000\000\000\000\000'
	  tail -c +49 "$tmp/target_pie"; } >"$tmp/badshoff"
	elf_seed pie_badshoff '\002' "$z8" "$tmp/badshoff"
	# e_phnum (bytes 56-57) = 0xffff
	{ head -c 56 "$tmp/target_pie"; printf '\377\377'; tail -c +59 "$tmp/target_pie"; } \
		>"$tmp/badphnum"
	elf_seed pie_badphnum '\001' "$z8" "$tmp/badphnum"
fi

# findings kept as seeds (NOTEs; fatal with FUZZ_STRICT=1):
# a symbol name with a newline, quoted raw among the close names ("tl_li")
if [ -f "$tmp/libtarget.so" ]; then
	# same length: every offset in the file stays right
	LC_ALL=C sed 's/tl_lib/tl\nlib/g' "$tmp/libtarget.so" >"$tmp/lt_nl.so"
	elf_seed repro_name_newline '\033' "$z8" "$tmp/lt_nl.so"
fi
# a file offset inside the executable PT_LOAD but past the end of the file
if [ -f "$tmp/target_pie" ]; then
	head -c 4096 "$tmp/target_pie" >"$tmp/pie4k"
	elf_seed repro_offset_past_eof '\000' '\100\020\000\000\000\000\000\000' "$tmp/pie4k"
fi

du -sh --apparent-size "$corpus"/* | sed 's|'"$corpus"/'||'
