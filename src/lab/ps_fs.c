/*
 * ps_fs.c - files on the simulated hosts and the FileSystem cmdlets that
 * read and write them: Get-Content, Set-Content, Add-Content, Copy-Item,
 * Test-Path, Get-ChildItem, Select-String, Split-Path, Join-Path.
 *
 * A path is local (C:\...) to the host the script runs on, or a UNC path
 * \\HOST\SHARE\...: C$ is the host's C:, ADMIN$ its Windows directory,
 * any other share the folder of that name on C:.  Reaching another host's
 * share takes network credentials: from a key logon on Windows OpenSSH the
 * server answers "Access is denied" (Win32-OpenSSH issues 518, 1047); a
 * host that is off does not answer at all.
 *
 * Parameters are PowerShell 2.0's (Get-Content: learn.microsoft.com
 * previous-versions dd347719(v=technet.10); Get-ChildItem: dd347686; the
 * rest from the 3.0 reference minus its "introduced in 3.0" parameters).
 * PowerShell 2.0 has no Get-Content -Raw or -Tail and no Get-ChildItem
 * -File or -Directory.
 */
#include "ps.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NPARAMS(p) CARVE_ARRAY_SIZE(p)
#define ALL 0u

const char *lab_windows_dir(const lab_host *h)
{
	return !strcmp(h->os, "xp") ? "C:\\WINDOWS" : "C:\\Windows";
}

/* ------------------------------------------------------------ the disk */

/* The hosts file is kept as its entries; its text is made on reading. */
static bool is_hosts_file(const lab_host *h, const char *local)
{
	char want[128];

	snprintf(want, sizeof(want), "%s\\System32\\drivers\\etc\\hosts", lab_windows_dir(h));
	return !strcasecmp(local, want);
}

static void hosts_text(carve_buf *b, const lab_host *h)
{
	/* Windows' own hosts file starts with its comment block */
	carve_buf_puts(b, "# Copyright (c) 1993-2009 Microsoft Corp.\r\n#\r\n"
		       "# This is a sample HOSTS file used by Microsoft TCP/IP for Windows.\r\n#\r\n"
		       "# localhost name resolution is handled within DNS itself.\r\n"
		       "#\t127.0.0.1       localhost\r\n#\t::1             localhost\r\n");
	for (size_t i = 0; i < h->hosts_count; i++)
		carve_buf_printf(b, "%s\r\n", h->hosts_file[i]);
}

/* Keeps the entries of a hosts file that was written: its lines that are
 * not blank and not comments. */
static void hosts_store(lab_host *h, const char *data, size_t len)
{
	h->hosts_count = 0;
	for (size_t i = 0; i < len;) {
		size_t e = i;
		while (e < len && data[e] != '\n')
			e++;
		size_t n = e - i;
		while (n && (data[i + n - 1] == '\r' || data[i + n - 1] == ' '))
			n--;
		size_t lead = 0;
		while (lead < n && (data[i + lead] == ' ' || data[i + lead] == '\t'))
			lead++;
		if (n > lead && data[i + lead] != '#' && h->hosts_count < LAB_MAX_LIST)
			snprintf(h->hosts_file[h->hosts_count++], sizeof(h->hosts_file[0]), "%.*s",
				 (int)(n - lead), data + i + lead);
		i = e + 1;
	}
}

static lab_file *find_in(lab_file *files, size_t n, const char *local)
{
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(files[i].path, local))
			return &files[i];
	return NULL;
}

/* Reads a file; false when there is none. data is the arena's copy. */
static bool fs_read(ps_ctx *c, lab_host *h, const char *local, const char **data, size_t *len,
		    time_t *mtime)
{
	lab_file *f = find_in(h->progress.files, h->progress.file_count, local);

	if (!f)
		f = find_in(h->files, h->file_count, local);
	if (f) {
		*data = carve_arena_strndup(&c->arena, f->data ? f->data : "", f->len);
		*len = f->len;
		*mtime = f->mtime;
		return true;
	}
	if (is_hosts_file(h, local)) {
		carve_buf b = CARVE_BUF_INIT;
		hosts_text(&b, h);
		*data = carve_arena_strndup(&c->arena, carve_buf_cstr(&b), b.len);
		*len = b.len;
		*mtime = h->progress.boot_time;
		carve_buf_done(&b);
		return true;
	}
	return false;
}

bool lab_file_read(ps_ctx *c, lab_host *h, const char *local, const char **data, size_t *len)
{
	time_t mtime;

	return fs_read(c, h, local, data, len, &mtime);
}

bool lab_file_write(lab_host *h, const char *local, const char *data, size_t len, bool append)
{
	if (is_hosts_file(h, local)) {
		carve_buf b = CARVE_BUF_INIT;
		if (append)
			hosts_text(&b, h);
		carve_buf_put(&b, data, len);
		hosts_store(h, b.ptr ? b.ptr : "", b.len);
		carve_buf_done(&b);
		return true;
	}
	lab_file *f = find_in(h->progress.files, h->progress.file_count, local);
	if (!f) {
		lab_file *more = realloc(h->progress.files,
					 (h->progress.file_count + 1) * sizeof(*more));
		if (!more)
			return false;
		h->progress.files = more;
		f = &more[h->progress.file_count++];
		memset(f, 0, sizeof(*f));
		snprintf(f->path, sizeof(f->path), "%s", local);
		/* a file the fixture placed starts from its text */
		lab_file *orig = find_in(h->files, h->file_count, local);
		if (orig && append) {
			f->data = malloc(orig->len + 1);
			if (f->data) {
				memcpy(f->data, orig->data, orig->len);
				f->len = orig->len;
			}
		}
	}
	size_t keep = append ? f->len : 0;
	char *d = realloc(f->data, keep + len + 1);
	if (!d)
		return false;
	memcpy(d + keep, data, len);
	d[keep + len] = '\0';
	f->data = d;
	f->len = keep + len;
	f->mtime = time(NULL);
	return true;
}

/* ------------------------------------------------------------ paths */

typedef struct {
	lab_host *host;
	char local[600];
} fs_where;

static void normalize(char *p)
{
	for (; *p; p++)
		if (*p == '/')
			*p = '\\';
}

typedef enum { FS_OK, FS_NOT_FOUND, FS_DENIED, FS_NO_NETWORK } fs_status;

/*
 * Where path is: the host it is on and its local path there.  A UNC path
 * to another host needs that host up and the session's network
 * credentials.
 */
static fs_status resolve(ps_ctx *c, const char *path, fs_where *w)
{
	char p[520];

	snprintf(p, sizeof(p), "%s", path);
	normalize(p);
	w->host = c->env->self;
	if (p[0] == '\\' && p[1] == '\\') {
		char host[128], share[64];
		const char *rest = p + 2, *slash = strchr(rest, '\\');
		if (!slash)
			return FS_NOT_FOUND;
		snprintf(host, sizeof(host), "%.*s", (int)(slash - rest), rest);
		host[strcspn(host, ".")] = '\0';
		rest = slash + 1;
		slash = strchr(rest, '\\');
		snprintf(share, sizeof(share), "%.*s", (int)(slash ? (size_t)(slash - rest) : strlen(rest)),
			 rest);
		rest = slash ? slash + 1 : "";
		lab_host *h = lab_find_host(c->env->site, host);
		if (!h || !lab_host_up(h, time(NULL)))
			return FS_NO_NETWORK;
		if (!ps_network_credentials(c) || (lab_firewall_on(h, 0) && !h->remote_admin))
			return FS_DENIED;
		w->host = h;
		if (!strcasecmp(share, "C$"))
			snprintf(w->local, sizeof(w->local), "C:\\%s", rest);
		else if (!strcasecmp(share, "ADMIN$"))
			snprintf(w->local, sizeof(w->local), "%s%s%s", lab_windows_dir(h), *rest ? "\\" : "",
				 rest);
		else
			snprintf(w->local, sizeof(w->local), "C:\\%s%s%s", share, *rest ? "\\" : "", rest);
	} else if (isalpha((unsigned char)p[0]) && p[1] == ':') {
		snprintf(w->local, sizeof(w->local), "%s", p);
	} else {
		/* relative to the session's directory, the user's profile */
		snprintf(w->local, sizeof(w->local), "C:\\Users\\carve\\%s", p);
	}
	size_t n = strlen(w->local);
	while (n > 3 && w->local[n - 1] == '\\')
		w->local[--n] = '\0';
	return FS_OK;
}

static int path_error(ps_ctx *c, ps_call *call, fs_status st, const char *path)
{
	const char *cmd = call->cmd->name, *type = call->cmd->type_name;
	char category[600], id[200];

	if (st == FS_DENIED) {
		snprintf(category, sizeof(category), "PermissionDenied: (%s:String) [%s], "
			 "UnauthorizedAccessException", path, cmd);
		snprintf(id, sizeof(id), "ItemExistsUnauthorizedAccessError,%s", type);
		return ps_write_error(c, call, "System.UnauthorizedAccessException",
				      carve_arena_strdup(&c->arena, category),
				      carve_arena_strdup(&c->arena, id),
				      "Access to the path '%s' is denied.", path);
	}
	snprintf(category, sizeof(category), "ObjectNotFound: (%s:String) [%s], "
		 "ItemNotFoundException", path, cmd);
	snprintf(id, sizeof(id), "PathNotFound,%s", type);
	return ps_write_error(c, call, "System.Management.Automation.ItemNotFoundException",
			      carve_arena_strdup(&c->arena, category), carve_arena_strdup(&c->arena, id),
			      "Cannot find path '%s' because it does not exist.", path);
}

/* The lines of a text, as Get-Content gives them. */
static void text_lines(ps_ctx *c, const char *data, size_t len, pv_list *out)
{
	for (size_t i = 0; i < len;) {
		size_t e = i;
		while (e < len && data[e] != '\n' && data[e] != '\r')
			e++;
		pv_list_push(c, out, pv_strn(c, data + i, e - i));
		if (e < len && data[e] == '\r' && e + 1 < len && data[e + 1] == '\n')
			e++;
		i = e + 1;
	}
}

/* ------------------------------------------------------------ cmdlets */

static const char *const path_sets[] = { "Path", "LiteralPath", NULL };

static const ps_param get_content_params[] = {
	{ "Path", NULL, PP_STRINGS, 0, 1u << 0, 1u << 0, true },
	{ "LiteralPath", "PSPath", PP_STRINGS, 0, 1u << 1, 1u << 1, false },
	{ "TotalCount", "First,Head", PP_INT, -1, ALL, 0, false },
	{ "ReadCount", NULL, PP_INT, -1, ALL, 0, false },
	{ "Encoding", NULL, PP_STRING, -1, ALL, 0, false },
	{ "Force", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "Credential", NULL, PP_CREDENTIAL, -1, ALL, 0, false },
};

static const pv *path_arg(const ps_call *call)
{
	const pv *p = ps_arg(call, "Path");

	return p ? p : ps_arg(call, "LiteralPath");
}

static int run_get_content(ps_ctx *c, ps_call *call, const pv_list *in, pv_list *out)
{
	const pv *paths = path_arg(call);
	pv_list from_pipe = { 0 };

	if (!paths) {
		for (size_t i = 0; i < in->n; i++)
			pv_list_push(c, &from_pipe, in->v[i]);
	}
	size_t n = paths ? paths->u.a->n : from_pipe.n;
	for (size_t i = 0; i < n; i++) {
		const char *path = pv_to_str(c, paths ? paths->u.a->v[i] : from_pipe.v[i]);
		fs_where w;
		fs_status st = resolve(c, path, &w);
		const char *data;
		size_t len;
		time_t mtime;
		if (st == FS_OK && !fs_read(c, w.host, w.local, &data, &len, &mtime))
			st = FS_NOT_FOUND;
		if (st != FS_OK) {
			if (path_error(c, call, st, path) < 0)
				return PS_THROW;
			continue;
		}
		pv_list lines = { 0 };
		text_lines(c, data, len, &lines);
		const pv *total = ps_arg(call, "TotalCount");
		for (size_t k = 0; k < lines.n && (!total || (int64_t)k < total->u.i); k++)
			pv_list_push(c, out, lines.v[k]);
	}
	return 0;
}

static const ps_cmdlet get_content = {
	"Get-Content", "Microsoft.PowerShell.Commands.GetContentCommand", path_sets, 0,
	get_content_params, NPARAMS(get_content_params), run_get_content, NULL, false,
};

static const ps_param set_content_params[] = {
	{ "Path", NULL, PP_STRINGS, 0, 1u << 0, 1u << 0, false },
	{ "LiteralPath", "PSPath", PP_STRINGS, 0, 1u << 1, 1u << 1, false },
	{ "Value", NULL, PP_OBJECTS, 1, ALL, 0x3, true },
	{ "PassThru", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "Encoding", NULL, PP_STRING, -1, ALL, 0, false },
	{ "Force", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "Credential", NULL, PP_CREDENTIAL, -1, ALL, 0, false },
};

/* Set-Content and Add-Content: each value a line, CR LF after each. */
static int write_content(ps_ctx *c, ps_call *call, const pv_list *in, bool append)
{
	const pv *paths = path_arg(call), *value = ps_arg(call, "Value");
	carve_buf text = CARVE_BUF_INIT;
	pv_list values = { 0 };

	if (value)
		pv_list_write(c, &values, *value);
	else
		values = *in;
	for (size_t i = 0; i < values.n; i++)
		carve_buf_printf(&text, "%s\r\n", pv_to_str(c, values.v[i]));
	for (size_t i = 0; i < paths->u.a->n; i++) {
		const char *path = pv_to_str(c, paths->u.a->v[i]);
		fs_where w;
		fs_status st = resolve(c, path, &w);
		if (st != FS_OK) {
			int err = path_error(c, call, st, path);
			if (err < 0) {
				carve_buf_done(&text);
				return PS_THROW;
			}
			continue;
		}
		if (!lab_file_write(w.host, w.local, text.ptr ? text.ptr : "", text.len, append)) {
			carve_buf_done(&text);
			return ps_throw(c, "System.OutOfMemoryException", "", "OutOfMemory",
					"carve-lab ran out of memory");
		}
		carve_buf j = CARVE_BUF_INIT;
		carve_buf_puts(&j, "\"path\":");
		carve_buf_json_string(&j, w.local);
		carve_buf_printf(&j, ",\"by\":\"%s\"", append ? "Add-Content" : "Set-Content");
		lab_journal(w.host->name, "file", carve_buf_cstr(&j));
		carve_buf_done(&j);
	}
	carve_buf_done(&text);
	return 0;
}

static int run_set_content(ps_ctx *c, ps_call *call, const pv_list *in, pv_list *out)
{
	(void)out;
	return write_content(c, call, in, false);
}

static int run_add_content(ps_ctx *c, ps_call *call, const pv_list *in, pv_list *out)
{
	(void)out;
	return write_content(c, call, in, true);
}

static const ps_cmdlet set_content = {
	"Set-Content", "Microsoft.PowerShell.Commands.SetContentCommand", path_sets, 0,
	set_content_params, NPARAMS(set_content_params), run_set_content, NULL, true,
};

static const ps_cmdlet add_content = {
	"Add-Content", "Microsoft.PowerShell.Commands.AddContentCommand", path_sets, 0,
	set_content_params, NPARAMS(set_content_params), run_add_content, NULL, true,
};

static const ps_param copy_params[] = {
	{ "Path", NULL, PP_STRINGS, 0, 1u << 0, 1u << 0, true },
	{ "LiteralPath", "PSPath", PP_STRINGS, -1, 1u << 1, 1u << 1, false },
	{ "Destination", NULL, PP_STRING, 1, ALL, 0, false },
	{ "Force", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "Recurse", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "PassThru", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "Container", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "Credential", NULL, PP_CREDENTIAL, -1, ALL, 0, false },
};

static int run_copy(ps_ctx *c, ps_call *call, const pv_list *in, pv_list *out)
{
	(void)in, (void)out;
	const pv *paths = path_arg(call);
	const char *dest = ps_arg_str(c, call, "Destination");

	for (size_t i = 0; paths && i < paths->u.a->n; i++) {
		const char *path = pv_to_str(c, paths->u.a->v[i]);
		fs_where from, to;
		fs_status st = resolve(c, path, &from);
		const char *data;
		size_t len;
		time_t mtime;
		if (st == FS_OK && !fs_read(c, from.host, from.local, &data, &len, &mtime))
			st = FS_NOT_FOUND;
		if (st != FS_OK) {
			if (path_error(c, call, st, path) < 0)
				return PS_THROW;
			continue;
		}
		st = resolve(c, dest ? dest : ".", &to);
		if (st != FS_OK) {
			if (path_error(c, call, st, dest ? dest : ".") < 0)
				return PS_THROW;
			continue;
		}
		/* a destination that is a folder (it ends like one, or has no
		 * extension) gets the file's own name */
		const char *leaf = strrchr(from.local, '\\');
		const char *dleaf = strrchr(to.local, '\\');
		if (!strchr(dleaf ? dleaf : to.local, '.') && leaf) {
			size_t n = strlen(to.local);
			snprintf(to.local + n, sizeof(to.local) - n, "%s", leaf);
		}
		if (!lab_file_write(to.host, to.local, data, len, false))
			return ps_throw(c, "System.OutOfMemoryException", "", "OutOfMemory",
					"carve-lab ran out of memory");
		carve_buf j = CARVE_BUF_INIT;
		carve_buf_puts(&j, "\"path\":");
		carve_buf_json_string(&j, to.local);
		carve_buf_puts(&j, ",\"by\":\"Copy-Item\",\"from\":");
		carve_buf_json_string(&j, path);
		lab_journal(to.host->name, "file", carve_buf_cstr(&j));
		carve_buf_done(&j);
	}
	return 0;
}

static const ps_cmdlet copy_item = {
	"Copy-Item", "Microsoft.PowerShell.Commands.CopyItemCommand", path_sets, 0,
	copy_params, NPARAMS(copy_params), run_copy, NULL, true,
};

static const ps_param test_path_params[] = {
	{ "Path", NULL, PP_STRINGS, 0, 1u << 0, 1u << 0, true },
	{ "LiteralPath", "PSPath", PP_STRINGS, -1, 1u << 1, 1u << 1, false },
	{ "PathType", "Type", PP_STRING, -1, ALL, 0, false },
	{ "IsValid", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "Credential", NULL, PP_CREDENTIAL, -1, ALL, 0, false },
};

/* Whether any file lives under a folder (folders exist through files). */
static bool folder_exists(lab_host *h, const char *local)
{
	size_t n = strlen(local);

	if (n <= 3)
		return true;
	for (int pass = 0; pass < 2; pass++) {
		lab_file *f = pass ? h->files : h->progress.files;
		size_t count = pass ? h->file_count : h->progress.file_count;
		for (size_t i = 0; i < count; i++)
			if (!strncasecmp(f[i].path, local, n) && f[i].path[n] == '\\')
				return true;
	}
	static const char *const folders[] = { "C:\\Windows", "C:\\WINDOWS", "C:\\Users",
					       "C:\\Windows\\Temp", "C:\\WINDOWS\\Temp",
					       "C:\\Windows\\System32", "C:\\WINDOWS\\system32" };
	for (size_t i = 0; i < CARVE_ARRAY_SIZE(folders); i++)
		if (!strcasecmp(folders[i], local))
			return true;
	return false;
}

static int run_test_path(ps_ctx *c, ps_call *call, const pv_list *in, pv_list *out)
{
	(void)in;
	const pv *paths = path_arg(call);
	const char *type = ps_arg_str(c, call, "PathType");

	for (size_t i = 0; paths && i < paths->u.a->n; i++) {
		fs_where w;
		const char *data;
		size_t len;
		time_t mtime;
		bool there = false;
		if (resolve(c, pv_to_str(c, paths->u.a->v[i]), &w) == FS_OK) {
			bool file = fs_read(c, w.host, w.local, &data, &len, &mtime);
			bool folder = !file && folder_exists(w.host, w.local);
			there = type && !strcasecmp(type, "Leaf") ? file
				: type && !strcasecmp(type, "Container") ? folder : file || folder;
		}
		pv_list_push(c, out, pv_bool(there));
	}
	return 0;
}

static const ps_cmdlet test_path = {
	"Test-Path", "Microsoft.PowerShell.Commands.TestPathCommand", path_sets, 0,
	test_path_params, NPARAMS(test_path_params), run_test_path, NULL, false,
};

/* ---- Get-ChildItem and the FileInfo objects it gives ---- */

static const ps_class fileinfo_class = {
	"System.IO.FileInfo", NULL, NULL, NULL, NULL, false,
};

static pv file_info(ps_ctx *c, const lab_host *h, const lab_file *f, bool remote,
		    const char *shown)
{
	ps_obj *o = ps_obj_new(c, &fileinfo_class);
	const char *leaf = strrchr(shown, '\\');
	const char *dot = leaf ? strrchr(leaf, '.') : NULL;

	(void)h, (void)remote;
	ps_obj_set(c, o, "Name", pv_str(c, leaf ? leaf + 1 : shown));
	ps_obj_set(c, o, "FullName", pv_str(c, shown));
	ps_obj_set(c, o, "Length", pv_int((int64_t)f->len));
	ps_obj_set(c, o, "Extension", pv_str(c, dot ? dot : ""));
	ps_obj_set(c, o, "LastWriteTime", ps_datetime(c, f->mtime));
	ps_obj_set(c, o, "DirectoryName", leaf ? pv_strn(c, shown, (size_t)(leaf - shown))
					       : pv_str(c, ""));
	o->cls = &fileinfo_class;
	return pv_obj(o);
}

/* The files in folder (and below it, with recurse) whose names match the
 * wildcard filter. */
static void list_files(ps_ctx *c, lab_host *h, const char *folder, const char *shown_folder,
		       const char *filter, const pv *include, bool recurse, pv_list *out)
{
	size_t n = strlen(folder);

	for (int pass = 0; pass < 2; pass++) {
		lab_file *files = pass ? h->files : h->progress.files;
		size_t count = pass ? h->file_count : h->progress.file_count;
		for (size_t i = 0; i < count; i++) {
			lab_file *f = &files[i];
			if (pass && find_in(h->progress.files, h->progress.file_count, f->path))
				continue; /* rewritten since */
			if (strncasecmp(f->path, folder, n) || f->path[n] != '\\')
				continue;
			const char *rest = f->path + n + 1;
			if (!recurse && strchr(rest, '\\'))
				continue;
			const char *leaf = strrchr(f->path, '\\') + 1;
			if (filter && !ps_like(leaf, filter, false))
				continue;
			bool included = !include;
			for (size_t k = 0; include && k < include->u.a->n && !included; k++)
				included = ps_like(leaf, pv_to_str(c, include->u.a->v[k]), false);
			if (!included)
				continue;
			carve_buf shown = CARVE_BUF_INIT;
			carve_buf_printf(&shown, "%s\\%s", shown_folder, rest);
			pv_list_push(c, out, file_info(c, h, f, false, carve_buf_cstr(&shown)));
			carve_buf_done(&shown);
		}
	}
}

static const ps_param gci_params[] = {
	{ "Path", NULL, PP_STRINGS, 0, 1u << 0, 0, true },
	{ "LiteralPath", "PSPath", PP_STRINGS, 0, 1u << 1, 1u << 1, false },
	{ "Filter", NULL, PP_STRING, 1, ALL, 0, false },
	{ "Include", NULL, PP_STRINGS, -1, ALL, 0, false },
	{ "Exclude", NULL, PP_STRINGS, -1, ALL, 0, false },
	{ "Recurse", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "Force", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "Name", NULL, PP_SWITCH, -1, ALL, 0, false },
};

static int run_gci(ps_ctx *c, ps_call *call, const pv_list *in, pv_list *out)
{
	(void)in;
	const pv *paths = path_arg(call);
	const char *filter = ps_arg_str(c, call, "Filter");
	const pv *include = ps_arg(call, "Include");
	bool recurse = ps_arg_switch(call, "Recurse");
	size_t n = paths ? paths->u.a->n : 1;

	for (size_t i = 0; i < n; i++) {
		const char *path = paths ? pv_to_str(c, paths->u.a->v[i]) : ".";
		char folder[600], shown[600];
		const char *pattern = NULL;
		snprintf(shown, sizeof(shown), "%s", path);
		normalize(shown);
		/* a wildcard in the last part is a filter */
		char *leaf = strrchr(shown, '\\');
		if (leaf && strpbrk(leaf, "*?")) {
			pattern = carve_arena_strdup(&c->arena, leaf + 1);
			*leaf = '\0';
		}
		fs_where w;
		fs_status st = resolve(c, shown, &w);
		if (st == FS_OK && !folder_exists(w.host, w.local))
			st = FS_NOT_FOUND;
		if (st != FS_OK) {
			if (path_error(c, call, st, path) < 0)
				return PS_THROW;
			continue;
		}
		snprintf(folder, sizeof(folder), "%s", w.local);
		pv_list found = { 0 };
		list_files(c, w.host, folder, shown, pattern ? pattern : filter, include, recurse,
			   &found);
		for (size_t k = 0; k < found.n; k++) {
			pv name;
			if (ps_arg_switch(call, "Name") && ps_member_get(c, found.v[k], "Name", &name) == 0)
				pv_list_push(c, out, name);
			else
				pv_list_push(c, out, found.v[k]);
		}
	}
	return 0;
}

static const ps_cmdlet get_child_item = {
	"Get-ChildItem", "Microsoft.PowerShell.Commands.GetChildItemCommand", path_sets, 0,
	gci_params, NPARAMS(gci_params), run_gci, NULL, false,
};

/* ---- Select-String ---- */

static const ps_class matchinfo_class = {
	"Microsoft.PowerShell.Commands.MatchInfo", NULL, NULL, NULL, NULL, false,
};

static const char *const select_string_sets[] = { "Object", "File", NULL };
static const ps_param select_string_params[] = {
	{ "Pattern", NULL, PP_STRINGS, 0, ALL, 0x3, false },
	{ "Path", NULL, PP_STRINGS, 1, 1u << 1, 1u << 1, false },
	{ "InputObject", NULL, PP_ANY, -1, 1u << 0, 1u << 0, true },
	{ "SimpleMatch", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "CaseSensitive", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "NotMatch", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "List", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "Quiet", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "AllMatches", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "Include", NULL, PP_STRINGS, -1, ALL, 0, false },
	{ "Exclude", NULL, PP_STRINGS, -1, ALL, 0, false },
	{ "Encoding", NULL, PP_STRING, -1, ALL, 0, false },
	{ "Context", NULL, PP_OBJECTS, -1, ALL, 0, false },
};

static int line_matches(ps_ctx *c, ps_call *call, const char *line, bool *hit)
{
	const pv *patterns = ps_arg(call, "Pattern");
	bool simple = ps_arg_switch(call, "SimpleMatch"), cs = ps_arg_switch(call, "CaseSensitive");

	*hit = false;
	for (size_t k = 0; k < patterns->u.a->n && !*hit; k++) {
		const char *pat = pv_to_str(c, patterns->u.a->v[k]);
		if (simple) {
			*hit = cs ? strstr(line, pat) != NULL : strcasestr(line, pat) != NULL;
		} else if (ps_regex_match(c, line, pat, cs, hit, NULL) < 0) {
			return PS_THROW;
		}
	}
	if (ps_arg_switch(call, "NotMatch"))
		*hit = !*hit;
	return 0;
}

static void push_match(ps_ctx *c, pv_list *out, const char *line, int64_t number,
		       const char *path, const char *pattern)
{
	ps_obj *m = ps_obj_new(c, &matchinfo_class);
	const char *leaf = path ? strrchr(path, '\\') : NULL;

	ps_obj_set(c, m, "Line", pv_str(c, line));
	ps_obj_set(c, m, "LineNumber", pv_int(number));
	ps_obj_set(c, m, "Path", pv_str(c, path ? path : "InputStream"));
	ps_obj_set(c, m, "Filename", pv_str(c, leaf ? leaf + 1 : path ? path : "InputStream"));
	ps_obj_set(c, m, "Pattern", pv_str(c, pattern));
	pv_list_push(c, out, pv_obj(m));
}

static int search_file(ps_ctx *c, ps_call *call, const char *shown, pv_list *out)
{
	fs_where w;
	fs_status st = resolve(c, shown, &w);
	const char *data;
	size_t len;
	time_t mtime;

	if (st == FS_OK && !fs_read(c, w.host, w.local, &data, &len, &mtime))
		st = FS_NOT_FOUND;
	if (st != FS_OK)
		return path_error(c, call, st, shown);
	pv_list lines = { 0 };
	text_lines(c, data, len, &lines);
	const char *pattern = pv_to_str(c, ps_arg(call, "Pattern")->u.a->v[0]);
	for (size_t k = 0; k < lines.n; k++) {
		bool hit;
		if (line_matches(c, call, lines.v[k].u.s, &hit) < 0)
			return PS_THROW;
		if (hit) {
			push_match(c, out, lines.v[k].u.s, (int64_t)k + 1, shown, pattern);
			if (ps_arg_switch(call, "List"))
				break;
		}
	}
	return 0;
}

static int run_select_string(ps_ctx *c, ps_call *call, const pv_list *in, pv_list *out)
{
	const pv *paths = ps_arg(call, "Path"), *io = ps_arg(call, "InputObject");
	const char *pattern = pv_to_str(c, ps_arg(call, "Pattern")->u.a->v[0]);
	pv_list found = { 0 };

	if (paths) {
		for (size_t i = 0; i < paths->u.a->n; i++)
			if (search_file(c, call, pv_to_str(c, paths->u.a->v[i]), &found) < 0)
				return PS_THROW;
	} else {
		pv_list items = { 0 };
		if (io)
			pv_list_write(c, &items, *io);
		else
			items = *in;
		for (size_t i = 0; i < items.n; i++) {
			pv item = items.v[i];
			if (item.k == PV_OBJ && item.u.o->cls == &fileinfo_class) {
				pv full;
				ps_member_get(c, item, "FullName", &full);
				if (search_file(c, call, pv_to_str(c, full), &found) < 0)
					return PS_THROW;
				continue;
			}
			bool hit;
			const char *line = pv_to_str(c, item);
			if (line_matches(c, call, line, &hit) < 0)
				return PS_THROW;
			if (hit)
				push_match(c, &found, line, (int64_t)i + 1, NULL, pattern);
		}
	}
	if (ps_arg_switch(call, "Quiet")) {
		pv_list_push(c, out, pv_bool(found.n > 0));
		return 0;
	}
	for (size_t i = 0; i < found.n; i++)
		pv_list_push(c, out, found.v[i]);
	return 0;
}

static const ps_cmdlet select_string = {
	"Select-String", "Microsoft.PowerShell.Commands.SelectStringCommand", select_string_sets,
	1, select_string_params, NPARAMS(select_string_params), run_select_string, NULL, false,
};

/* ---- Split-Path, Join-Path ---- */

static const ps_param split_path_params[] = {
	{ "Path", NULL, PP_STRINGS, 0, ALL, 1, true },
	{ "Leaf", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "Parent", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "Qualifier", NULL, PP_SWITCH, -1, ALL, 0, false },
	{ "NoQualifier", NULL, PP_SWITCH, -1, ALL, 0, false },
};

static int run_split_path(ps_ctx *c, ps_call *call, const pv_list *in, pv_list *out)
{
	const pv *paths = ps_arg(call, "Path");
	pv_list items = { 0 };

	if (paths)
		pv_list_write(c, &items, *paths);
	else
		items = *in;
	for (size_t i = 0; i < items.n; i++) {
		char p[520];
		snprintf(p, sizeof(p), "%s", pv_to_str(c, items.v[i]));
		normalize(p);
		size_t n = strlen(p);
		while (n > 1 && p[n - 1] == '\\')
			p[--n] = '\0';
		char *slash = strrchr(p, '\\');
		if (ps_arg_switch(call, "Leaf"))
			pv_list_push(c, out, pv_str(c, slash ? slash + 1 : p));
		else if (ps_arg_switch(call, "Qualifier"))
			pv_list_push(c, out, pv_strn(c, p, p[1] == ':' ? 2 : 0));
		else
			pv_list_push(c, out, slash ? pv_strn(c, p, (size_t)(slash - p)) : pv_str(c, ""));
	}
	return 0;
}

static const ps_cmdlet split_path = {
	"Split-Path", "Microsoft.PowerShell.Commands.SplitPathCommand", NULL, 0,
	split_path_params, NPARAMS(split_path_params), run_split_path, NULL, false,
};

static const ps_param join_path_params[] = {
	{ "Path", NULL, PP_STRINGS, 0, ALL, 1, true },
	{ "ChildPath", NULL, PP_STRING, 1, ALL, 1, false },
	{ "Resolve", NULL, PP_SWITCH, -1, ALL, 0, false },
};

static int run_join_path(ps_ctx *c, ps_call *call, const pv_list *in, pv_list *out)
{
	(void)in;
	const pv *paths = ps_arg(call, "Path");
	const char *child = ps_arg_str(c, call, "ChildPath");

	for (size_t i = 0; i < paths->u.a->n; i++) {
		const char *p = pv_to_str(c, paths->u.a->v[i]);
		size_t n = strlen(p);
		bool sep = n && (p[n - 1] == '\\' || p[n - 1] == '/');
		carve_buf b = CARVE_BUF_INIT;
		carve_buf_printf(&b, "%s%s%s", p, sep || child[0] == '\\' ? "" : "\\", child);
		pv_list_push(c, out, pv_str(c, carve_buf_cstr(&b)));
		carve_buf_done(&b);
	}
	return 0;
}

static const ps_cmdlet join_path = {
	"Join-Path", "Microsoft.PowerShell.Commands.JoinPathCommand", NULL, 0,
	join_path_params, NPARAMS(join_path_params), run_join_path, NULL, false,
};

const ps_cmdlet *const ps_fs_cmdlets[] = {
	&get_content, &set_content, &add_content, &copy_item, &test_path, &get_child_item,
	&select_string, &split_path, &join_path, NULL,
};
