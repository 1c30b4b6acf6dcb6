// SPDX-License-Identifier: MIT
/*
 * uprobe.c - where a uprobe goes: an ELF symbol resolved to a file offset
 * with libelf.
 *
 * The kernel wants the offset in the file, not the symbol's virtual
 * address: offset = st_value - p_vaddr + p_offset of the executable
 * PT_LOAD segment that holds it.  That is the same for executables
 * (ET_EXEC), PIE and shared libraries (ET_DYN).
 *
 * Symbols: .symtab first (full, when the file is not stripped), then
 * .dynsym (exported, always there in a shared library).  GNU symbol
 * versions: .dynsym names carry no "@VERSION"; their version is in
 * .gnu.version (an index per symbol, bit 15 set for a hidden, non-default
 * version) and .gnu.version_d (index -> name).  .symtab, when present,
 * spells them "name@VERSION" / "name@@VERSION" (the default).
 *
 * Everything read from the file is bounds-checked by libelf (ELF_C_READ_MMAP
 * refuses sections outside the file); a corrupt file is an error, never a
 * crash.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probes-private.h"

#define VERSYM_HIDDEN	0x8000
#define VERSYM_INDEX	0x7fff
#define MAX_VERSIONS	4096

struct segment {
	uint64_t vaddr, offset, filesz;
};

struct elf_file {
	const char *path;
	Elf *elf;
	struct segment *exec;		/* executable PT_LOADs */
	size_t nr_exec;
	/* version index -> name, from .gnu.version_d */
	const char **vernames;
	size_t nr_vernames;
	Elf_Data *versym;		/* .gnu.version, parallel to .dynsym */
	size_t nr_versym;
};

/* What the user asked for: "malloc", "malloc@GLIBC_2.2.5", "f@@V2". */
struct wanted {
	char base[256];
	const char *version;		/* in base's buffer, after the NUL; NULL: any */
	bool want_default;		/* "@@": only the default version */
};

struct match {
	uint64_t value, size;
	unsigned char type, bind;
	bool is_default;		/* unversioned, or the default version */
	char name[160];			/* as a message shows it */
};

struct matches {
	struct match m[16];
	size_t n;
	size_t not_func;		/* matches that are data, sections, files */
	unsigned char not_func_type;
};

static const char *elf_type_name(unsigned char t)
{
	switch (t) {
	case STT_OBJECT: return "a data object";
	case STT_SECTION: return "a section";
	case STT_FILE: return "a file name";
	case STT_TLS: return "thread-local data";
	case STT_COMMON: return "common data";
	default: return "not a function";
	}
}

static bool wanted_parse(struct wanted *w, const char *symbol)
{
	char *at;

	if (strlen(symbol) >= sizeof(w->base) - 1)
		return false;
	memset(w, 0, sizeof(*w));
	strcpy(w->base, symbol);
	at = strchr(w->base, '@');
	if (at) {
		*at++ = 0;
		if (*at == '@') {
			w->want_default = true;
			at++;
		}
		w->version = at;
	}
	return true;
}

static void ef_close(struct elf_file *ef)
{
	if (ef->elf)
		elf_end(ef->elf);
	free(ef->exec);
	free(ef->vernames);
}

/* the executable PT_LOAD segments */
static int ef_segments(struct elf_file *ef, char *err, size_t errlen)
{
	size_t n, i;

	if (elf_getphdrnum(ef->elf, &n) != 0) {
		probe_seterr(err, errlen, "%s: corrupt ELF file (%s)", ef->path, elf_errmsg(-1));
		return -ENOEXEC;
	}
	ef->exec = calloc(n ? n : 1, sizeof(*ef->exec));
	if (!ef->exec)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(ef->elf, (int)i, &ph)) {
			probe_seterr(err, errlen, "%s: corrupt ELF program header %zu (%s)", ef->path,
				     i, elf_errmsg(-1));
			return -ENOEXEC;
		}
		if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
			continue;
		ef->exec[ef->nr_exec].vaddr = ph.p_vaddr;
		ef->exec[ef->nr_exec].offset = ph.p_offset;
		ef->exec[ef->nr_exec].filesz = ph.p_filesz;
		ef->nr_exec++;
	}
	if (!ef->nr_exec) {
		probe_seterr(err, errlen, "%s: no executable segment (PT_LOAD with PF_X)", ef->path);
		return -ENOEXEC;
	}
	return 0;
}

/* .gnu.version and .gnu.version_d, when both are there */
static int ef_versions(struct elf_file *ef)
{
	Elf_Scn *scn = NULL;
	Elf_Data *verdef = NULL;
	size_t verdef_link = 0, verdef_count = 0;

	while ((scn = elf_nextscn(ef->elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_GNU_versym) {
			ef->versym = elf_getdata(scn, NULL);
			if (ef->versym)
				ef->nr_versym = ef->versym->d_size / sizeof(GElf_Versym);
		} else if (sh.sh_type == SHT_GNU_verdef) {
			verdef = elf_getdata(scn, NULL);
			verdef_link = sh.sh_link;
			verdef_count = sh.sh_info;
		}
	}
	if (!ef->versym || !verdef)
		return 0;
	if (verdef_count > MAX_VERSIONS)
		verdef_count = MAX_VERSIONS;
	ef->vernames = calloc(MAX_VERSIONS + 1, sizeof(*ef->vernames));
	if (!ef->vernames)
		return -ENOMEM;
	ef->nr_vernames = MAX_VERSIONS + 1;
	{
		size_t off = 0, k;

		for (k = 0; k < verdef_count; k++) {
			GElf_Verdef vd;
			GElf_Verdaux vda;

			if (off > INT32_MAX || !gelf_getverdef(verdef, (int)off, &vd))
				break;
			if (off + vd.vd_aux <= INT32_MAX &&
			    gelf_getverdaux(verdef, (int)(off + vd.vd_aux), &vda) &&
			    (vd.vd_ndx & VERSYM_INDEX) <= MAX_VERSIONS)
				ef->vernames[vd.vd_ndx & VERSYM_INDEX] =
					elf_strptr(ef->elf, verdef_link, vda.vda_name);
			if (!vd.vd_next)
				break;
			off += vd.vd_next;
		}
	}
	return 0;
}

static int ef_open(struct elf_file *ef, const char *path, int fd, char *err, size_t errlen)
{
	GElf_Ehdr eh;
	int ret;

	memset(ef, 0, sizeof(*ef));
	ef->path = path;
	if (elf_version(EV_CURRENT) == EV_NONE) {
		probe_seterr(err, errlen, "libelf: %s", elf_errmsg(-1));
		return -ENOEXEC;
	}
	ef->elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!ef->elf) {
		probe_seterr(err, errlen, "%s: not an ELF file (%s)", path, elf_errmsg(-1));
		return -ENOEXEC;
	}
	if (elf_kind(ef->elf) != ELF_K_ELF) {
		probe_seterr(err, errlen, "%s: not an ELF file", path);
		return -ENOEXEC;
	}
	if (!gelf_getehdr(ef->elf, &eh)) {
		probe_seterr(err, errlen, "%s: corrupt ELF file (%s)", path, elf_errmsg(-1));
		return -ENOEXEC;
	}
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) {
		probe_seterr(err, errlen, "%s: an ELF file but not an executable or a shared library (e_type %u)",
			     path, eh.e_type);
		return -ENOEXEC;
	}
	ret = ef_segments(ef, err, errlen);
	if (ret < 0)
		return ret;
	return ef_versions(ef);
}

/* the file offset of a virtual address in executable code, or -1 */
static int64_t ef_offset(const struct elf_file *ef, uint64_t addr)
{
	size_t i;

	for (i = 0; i < ef->nr_exec; i++) {
		const struct segment *s = &ef->exec[i];

		if (addr >= s->vaddr && addr - s->vaddr < s->filesz)
			return (int64_t)(addr - s->vaddr + s->offset);
	}
	return -1;
}

static bool offset_in_code(const struct elf_file *ef, uint64_t off)
{
	size_t i;

	for (i = 0; i < ef->nr_exec; i++)
		if (off >= ef->exec[i].offset && off - ef->exec[i].offset < ef->exec[i].filesz)
			return true;
	return false;
}

static const char *ef_version_of(const struct elf_file *ef, size_t i, bool *is_default)
{
	GElf_Versym vs;
	unsigned idx;

	*is_default = true;
	if (!ef->versym || i >= ef->nr_versym || !gelf_getversym(ef->versym, (int)i, &vs))
		return NULL;
	idx = vs & VERSYM_INDEX;
	*is_default = !(vs & VERSYM_HIDDEN);
	if (idx <= 1 || idx >= ef->nr_vernames)
		return NULL;	/* local or global, unversioned */
	return ef->vernames[idx];
}

static void match_add(struct matches *ms, const GElf_Sym *sym, const char *name,
		      const char *version, bool is_default)
{
	unsigned char type = GELF_ST_TYPE(sym->st_info);
	struct match *m;
	size_t i;

	if (type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_NOTYPE) {
		ms->not_func++;
		ms->not_func_type = type;
		return;
	}
	for (i = 0; i < ms->n; i++)
		if (ms->m[i].value == sym->st_value && ms->m[i].type == type)
			return;	/* an alias */
	if (ms->n == sizeof(ms->m) / sizeof(ms->m[0]))
		return;
	m = &ms->m[ms->n++];
	m->value = sym->st_value;
	m->size = sym->st_size;
	m->type = type;
	m->bind = GELF_ST_BIND(sym->st_info);
	m->is_default = is_default;
	if (version)
		snprintf(m->name, sizeof(m->name), "%s%s%s", name, is_default ? "@@" : "@", version);
	else
		snprintf(m->name, sizeof(m->name), "%s", name);
}

/*
 * One symbol table: the matches of w, and (close != NULL) every defined
 * function name as a candidate for close names.
 */
static int ef_scan(struct elf_file *ef, Elf_Scn *scn, const GElf_Shdr *sh,
		   const struct wanted *w, struct matches *ms, struct probe_close *close,
		   size_t *nr_funcs)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	bool dyn = sh->sh_type == SHT_DYNSYM;
	size_t n, i, blen = strlen(w->base);

	if (!data || !sh->sh_entsize)
		return -ENOEXEC;
	n = sh->sh_size / sh->sh_entsize;
	for (i = 1; i < n; i++) {
		GElf_Sym sym;
		const char *name, *version = NULL;
		bool is_default = true;
		unsigned char type;

		if (!gelf_getsym(data, (int)i, &sym))
			break;
		if (sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		name = elf_strptr(ef->elf, sh->sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		type = GELF_ST_TYPE(sym.st_info);
		if (type == STT_FUNC || type == STT_GNU_IFUNC) {
			(*nr_funcs)++;
			if (close)
				probe_close_add(close, name);
		}
		if (dyn) {
			if (strcmp(name, w->base))
				continue;
			version = ef_version_of(ef, i, &is_default);
			if (w->version && (!version || strcmp(version, w->version)))
				continue;
			if (w->want_default && !is_default)
				continue;
			match_add(ms, &sym, name, version, is_default);
		} else {
			/* .symtab spells versions into the name */
			const char *at;

			if (strncmp(name, w->base, blen) || (name[blen] && name[blen] != '@'))
				continue;
			at = name[blen] ? name + blen : NULL;
			if (at) {
				is_default = at[1] == '@';
				version = at + 1 + is_default;
			}
			if (w->version && (!version || strcmp(version, w->version)))
				continue;
			if (w->want_default && !is_default)
				continue;
			match_add(ms, &sym, w->base, version, is_default);
		}
	}
	return 0;
}

/* several matches: keep the global ones, then the default version */
static void matches_narrow(struct matches *ms)
{
	size_t i, k, global = 0, def = 0;

	for (i = 0; i < ms->n; i++) {
		global += ms->m[i].bind != STB_LOCAL;
		def += ms->m[i].is_default;
	}
	if (global && global < ms->n) {
		for (i = k = 0; i < ms->n; i++)
			if (ms->m[i].bind != STB_LOCAL)
				ms->m[k++] = ms->m[i];
		ms->n = k;
		for (i = def = 0; i < ms->n; i++)
			def += ms->m[i].is_default;
	}
	if (def && def < ms->n) {
		for (i = k = 0; i < ms->n; i++)
			if (ms->m[i].is_default)
				ms->m[k++] = ms->m[i];
		ms->n = k;
	}
}

static int ef_lookup(struct elf_file *ef, const char *symbol, uint64_t offset,
		     uint64_t *file_offset, char *err, size_t errlen)
{
	struct wanted w;
	struct matches ms;
	struct probe_close close;
	const struct match *m;
	size_t nr_funcs = 0, i;
	int64_t off;
	int pass, ret;

	if (!wanted_parse(&w, symbol)) {
		probe_seterr(err, errlen, "%s: symbol name too long", ef->path);
		return -EINVAL;
	}
	memset(&ms, 0, sizeof(ms));
	/* .symtab first; .dynsym only when .symtab has no match */
	for (pass = 0; pass < 2 && !ms.n; pass++) {
		Elf_Scn *scn = NULL;

		while ((scn = elf_nextscn(ef->elf, scn))) {
			GElf_Shdr sh;

			if (!gelf_getshdr(scn, &sh) ||
			    sh.sh_type != (pass == 0 ? SHT_SYMTAB : SHT_DYNSYM))
				continue;
			ret = ef_scan(ef, scn, &sh, &w, &ms, NULL, &nr_funcs);
			if (ret < 0) {
				probe_seterr(err, errlen, "%s: corrupt symbol table (%s)", ef->path,
					     elf_errmsg(-1));
				return ret;
			}
		}
	}
	if (!ms.n) {
		char names[512];

		if (ms.not_func) {
			probe_seterr(err, errlen, "%s: %s is %s, not a function", ef->path, symbol,
				     elf_type_name(ms.not_func_type));
			return -EINVAL;
		}
		/* a second walk for the close names: only on this error path */
		probe_close_init(&close, w.base);
		nr_funcs = 0;
		for (pass = 0; pass < 2; pass++) {
			Elf_Scn *scn = NULL;

			while ((scn = elf_nextscn(ef->elf, scn))) {
				GElf_Shdr sh;

				if (gelf_getshdr(scn, &sh) &&
				    sh.sh_type == (pass == 0 ? SHT_SYMTAB : SHT_DYNSYM))
					ef_scan(ef, scn, &sh, &w, &ms, &close, &nr_funcs);
			}
		}
		probe_close_format(&close, names, sizeof(names));
		if (!nr_funcs)
			probe_seterr(err, errlen,
				     "%s: no function %s: the file has no symbols (stripped?); give BINARY:0xOFFSET",
				     ef->path, symbol);
		else if (names[0])
			probe_seterr(err, errlen, "%s: no function %s; close names: %s", ef->path,
				     symbol, names);
		else
			probe_seterr(err, errlen, "%s: no function %s (and no close name)", ef->path,
				     symbol);
		return -ENOENT;
	}
	matches_narrow(&ms);
	if (ms.n > 1) {
		char list[512];
		size_t o = 0;

		list[0] = 0;
		for (i = 0; i < ms.n && o < sizeof(list); i++) {
			off = ef_offset(ef, ms.m[i].value);
			o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s at 0x%" PRIx64,
					      i ? ", " : "", ms.m[i].name,
					      off < 0 ? ms.m[i].value : (uint64_t)off);
		}
		probe_seterr(err, errlen, "%s: %s is ambiguous: %s; give BINARY:0xOFFSET or a @VERSION",
			     ef->path, symbol, list);
		return -EINVAL;
	}
	m = &ms.m[0];
	if (m->type == STT_GNU_IFUNC) {
		probe_seterr(err, errlen,
			     "%s: %s is an IFUNC: it only picks, at load time, the implementation that runs; probe that one (BINARY:0xOFFSET)",
			     ef->path, m->name);
		return -EINVAL;
	}
	if (offset && m->size && offset >= m->size) {
		probe_seterr(err, errlen, "%s: %s+%" PRIu64 " is past the end of %s (%" PRIu64 " bytes)",
			     ef->path, symbol, offset, m->name, m->size);
		return -EINVAL;
	}
	off = m->value + offset < m->value ? -1 : ef_offset(ef, m->value + offset);
	if (off < 0) {
		probe_seterr(err, errlen, "%s: %s (0x%" PRIx64 ") is not in executable code",
			     ef->path, m->name, m->value);
		return -EINVAL;
	}
	*file_offset = (uint64_t)off;
	return 0;
}

int probe_uprobe_resolve(const char *path, const char *symbol, uint64_t offset,
			 uint64_t *file_offset, char *err, size_t errlen)
{
	struct elf_file ef;
	struct stat st;
	uint64_t where = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		probe_seterr(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		probe_seterr(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	ret = ef_open(&ef, path, fd, err, errlen);
	if (ret == 0) {
		if (symbol) {
			ret = ef_lookup(&ef, symbol, offset, &where, err, errlen);
		} else if (!offset_in_code(&ef, offset)) {
			probe_seterr(err, errlen, "%s: offset 0x%" PRIx64 " is not in executable code",
				     path, offset);
			ret = -EINVAL;
		} else {
			where = offset;
		}
	}
	/*
	 * The program headers are the file's word, not the truth: a truncated
	 * file keeps a p_filesz that runs past its end.  The kernel refuses
	 * such an offset only when the probe is created, with a bare EINVAL;
	 * say here what is wrong.
	 */
	if (ret == 0 && where >= (uint64_t)st.st_size) {
		if (symbol)
			probe_seterr(err, errlen,
				     "%s: %s+%" PRIu64 " is at file offset 0x%" PRIx64 ", past the end of the %lld-byte file (truncated or corrupt ELF)",
				     path, symbol, offset, where, (long long)st.st_size);
		else
			probe_seterr(err, errlen,
				     "%s: offset 0x%" PRIx64 " is past the end of the %lld-byte file (truncated or corrupt ELF)",
				     path, where, (long long)st.st_size);
		ret = -ENOEXEC;
	}
	if (ret == 0)
		*file_offset = where;
	if (ret == -ENOMEM)
		probe_seterr(err, errlen, "out of memory");
	ef_close(&ef);
	close(fd);
	return ret;
}
