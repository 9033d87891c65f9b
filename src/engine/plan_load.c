/*
 * plan_load.c - the schema pass's machinery: the setters that turn YAML
 * values into plan values (reporting what they refuse) and the walker that
 * applies a key table to a mapping.  The tables are in plan_schema.c.
 */
#include "plan_internal.h"

#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
	const char *name;
	uint64_t mult;
} plan_unit;

static const char *keep(plan_load *ld, const char *s, size_t len)
{
	char *p = carve_arena_strndup(&ld->plan->arena, s, len);

	if (!p)
		ld->oom = true;
	return p;
}

/* v as a non-empty string without control characters, or NULL (reported).
 * A command template is a script: its line breaks and tabs are text. */
static const char *text(plan_load *ld, const pnode *v, const plan_field *f)
{
	bool script = f->set == plan_set_template;

	if (v->kind != PNODE_SCALAR || v->len == 0 || pnode_is_null(v)) {
		plan_diag(ld, v, "'%s' must be a non-empty string", f->key);
		return NULL;
	}
	for (size_t i = 0; i < v->len; i++) {
		unsigned char c = (unsigned char)v->u.str[i];
		if ((c < 0x20 && !(script && (c == '\n' || c == '\r' || c == '\t'))) || c == 0x7f) {
			/* "CONTOSO\nancy" in double quotes: YAML made \n a line end */
			plan_diag(ld, v, "'%s' must not contain control characters%s", f->key,
				  c == '\n' || c == '\t' || c == '\r' || c == '\b'
				  ? " (in double quotes \\n, \\t, \\r and \\b are escapes: write a"
				    " DOMAIN\\user name in single quotes, 'CONTOSO\\nancy')" : "");
			return NULL;
		}
	}
	return v->u.str;
}

/* Digits only; false on anything else or overflow. */
static bool parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

/* A number followed by one of the units; a bare number only when bare.
 * False when the unit is unknown or the product overflows. */
static bool parse_scaled(const char *s, const plan_unit *units, size_t count,
			 bool bare, uint64_t *out)
{
	size_t digits = strspn(s, "0123456789");
	uint64_t n;

	if (!parse_u64(s, digits, &n))
		return false;
	if (s[digits] == '\0' && bare) {
		*out = n;
		return true;
	}
	for (size_t i = 0; i < count; i++) {
		if (strcmp(s + digits, units[i].name) == 0) {
			if (n > UINT64_MAX / units[i].mult)
				return false;
			*out = n * units[i].mult;
			return true;
		}
	}
	return false;
}

/* ------------------------------------------------------------ setters */

/* text() that also passes f's rule (if any); stored in *dst when not NULL. */
static const char *checked_text(plan_load *ld, const pnode *v, const plan_field *f,
				const char **dst)
{
	const plan_rule *rule = f->arg;
	const char *s = text(ld, v, f), *why = NULL;

	if (!s)
		return NULL;
	/* Stored even when the rule fails: references to it still resolve,
	 * instead of adding an error for each. */
	if (dst)
		*dst = keep(ld, s, v->len);
	if (rule && !rule->ok(s, &why)) {
		plan_diag(ld, v, "invalid %s '%s': %s", rule->label, plan_quote(ld, s), why);
		return NULL;
	}
	return s;
}

bool plan_set_string(plan_load *ld, const pnode *v, void *dst, const plan_field *f)
{
	return checked_text(ld, v, f, dst) != NULL;
}

/* A step's PowerShell, replacing the built-in one (commands.h). */
bool plan_set_template(plan_load *ld, const pnode *v, void *dst, const plan_field *f)
{
	const char *s = checked_text(ld, v, f, dst), *why = NULL;

	if (s && !cmd_template_ok(f->key, s, &why)) {
		plan_diag(ld, v, "commands: %s: %s", f->key, why);
		return false;
	}
	return s != NULL;
}

/* A name of another object: kept as its node, resolved by plan_check(). */
bool plan_set_ref(plan_load *ld, const pnode *v, void *dst, const plan_field *f)
{
	(void)dst;
	return checked_text(ld, v, f, NULL) != NULL;
}

static const char *base_dir(plan_load *ld)
{
	const char *name = ld->name ? ld->name : "", *slash = strrchr(name, '/');
	char cwd[4096];
	carve_buf b = CARVE_BUF_INIT;

	if (ld->base_dir)
		return ld->base_dir;
	if (name[0] != '/') {
		if (!getcwd(cwd, sizeof(cwd)))
			return NULL;
		carve_buf_puts(&b, cwd);
	}
	if (slash) {
		if (b.len)
			carve_buf_putc(&b, '/');
		carve_buf_put(&b, name, slash == name ? 1 : (size_t)(slash - name));
	}
	ld->base_dir = keep(ld, carve_buf_cstr(&b), b.len);
	ld->oom = ld->oom || b.failed;
	carve_buf_done(&b);
	return ld->base_dir;
}

bool plan_set_path(plan_load *ld, const pnode *v, void *dst, const plan_field *f)
{
	const char *s = text(ld, v, f), *dir = NULL, *problem = NULL;
	carve_buf b = CARVE_BUF_INIT;
	size_t skip = 0;

	if (!s)
		return false;
	if (s[0] == '~') {
		dir = getenv("HOME");
		skip = 2;
		if (s[1] != '/')
			problem = "only ~/ is expanded";
		else if (!dir || dir[0] != '/')
			problem = "HOME is not set to an absolute path";
	} else if (s[0] != '/' && !(dir = base_dir(ld))) {
		problem = "the current directory is unknown";
	}
	if (problem) {
		plan_diag(ld, v, "invalid path '%s': %s", plan_quote(ld, s), problem);
		return false;
	}
	if (dir) {
		carve_buf_puts(&b, dir);
		if (b.len == 0 || b.ptr[b.len - 1] != '/')
			carve_buf_putc(&b, '/');
	}
	carve_buf_puts(&b, s + skip);
	*(const char **)dst = keep(ld, carve_buf_cstr(&b), b.len);
	ld->oom = ld->oom || b.failed;
	carve_buf_done(&b);
	return true;
}

bool plan_set_uint(plan_load *ld, const pnode *v, void *dst, const plan_field *f)
{
	uint64_t n = 0;

	if (v->kind != PNODE_SCALAR || !parse_u64(v->u.str, v->len, &n) ||
	    n < f->min || n > f->max) {
		plan_diag(ld, v, "'%s' must be an integer from %llu to %llu", f->key,
			  (unsigned long long)f->min, (unsigned long long)f->max);
		return false;
	}
	if (f->size == sizeof(uint16_t)) {
		uint16_t x = (uint16_t)n;
		memcpy(dst, &x, sizeof(x));
	} else if (f->size == sizeof(uint32_t)) {
		uint32_t x = (uint32_t)n;
		memcpy(dst, &x, sizeof(x));
	} else {
		memcpy(dst, &n, sizeof(n));
	}
	return true;
}

bool plan_set_bool(plan_load *ld, const pnode *v, void *dst, const plan_field *f)
{
	static const char *const words[] = { "false", "no", "true", "yes" };

	for (size_t i = 0; v->kind == PNODE_SCALAR && i < CARVE_ARRAY_SIZE(words); i++) {
		if (carve_strcasecmp(v->u.str, words[i]) == 0) {
			*(bool *)dst = i >= 2;
			return true;
		}
	}
	plan_diag(ld, v, "'%s' must be true or false", f->key);
	return false;
}

bool plan_set_enum(plan_load *ld, const pnode *v, void *dst, const plan_field *f)
{
	const plan_enum *e = f->arg;
	char list[256] = "";

	for (size_t i = 0; v->kind == PNODE_SCALAR && i < e->count; i++) {
		if (strcmp(v->u.str, e->items[i].name) == 0) {
			memcpy(dst, &e->items[i].value, sizeof(int));
			return true;
		}
	}
	for (size_t i = 0, n = 0; i < e->count && n < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
				      i ? ", " : "", e->items[i].name);
	plan_diag(ld, v, "'%s' must be one of %s", f->key, list);
	return false;
}

bool plan_set_duration(plan_load *ld, const pnode *v, void *dst, const plan_field *f)
{
	static const plan_unit units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60 * 1000 }, { "h", 3600 * 1000 },
	};
	uint64_t ms = 0;

	if (v->kind != PNODE_SCALAR ||
	    !parse_scaled(v->u.str, units, CARVE_ARRAY_SIZE(units), false, &ms) ||
	    ms < 1 || ms > 24 * 3600 * 1000) {
		plan_diag(ld, v, "'%s' must be a duration from 1ms to 24h, such as 5s or 500ms",
			  f->key);
		return false;
	}
	*(uint32_t *)dst = (uint32_t)ms;
	return true;
}

bool plan_set_size(plan_load *ld, const pnode *v, void *dst, const plan_field *f)
{
	static const plan_unit units[] = {
		{ "B", 1 }, { "KB", UINT64_C(1000) }, { "MB", UINT64_C(1000) * 1000 },
		{ "GB", UINT64_C(1000) * 1000 * 1000 },
		{ "TB", UINT64_C(1000) * 1000 * 1000 * 1000 },
		{ "KiB", UINT64_C(1) << 10 }, { "MiB", UINT64_C(1) << 20 },
		{ "GiB", UINT64_C(1) << 30 }, { "TiB", UINT64_C(1) << 40 },
	};

	if (v->kind != PNODE_SCALAR ||
	    !parse_scaled(v->u.str, units, CARVE_ARRAY_SIZE(units), true, dst)) {
		plan_diag(ld, v, "'%s' must be a size such as 1GiB or 500MB", f->key);
		return false;
	}
	return true;
}

/* Exactly n digits at *p, advancing *p. */
static bool take_digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return false;
		v = v * 10 + (**p - '0');
	}
	*out = v;
	return true;
}

/* YYYY-MM-DDTHH:MM[:SS](Z|+HH:MM|-HH:MM), local time without an offset. */
static bool parse_time(const char *s, time_t *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	struct tm tm = { 0 };
	int y, mo, d, h, mi, sec = 0, oh = 0, om = 0, sign = 0;
	const char *p = s;
	bool utc = true;

	if (!take_digits(&p, 4, &y) || *p++ != '-' || !take_digits(&p, 2, &mo) ||
	    *p++ != '-' || !take_digits(&p, 2, &d) || *p++ != 'T' ||
	    !take_digits(&p, 2, &h) || *p++ != ':' || !take_digits(&p, 2, &mi))
		return false;
	if (*p == ':' && (p++, !take_digits(&p, 2, &sec)))
		return false;
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '+' ? 1 : -1;
		if (!take_digits(&p, 2, &oh) || *p++ != ':' || !take_digits(&p, 2, &om) ||
		    oh > 23 || om > 59)
			return false;
	} else {
		utc = false;
	}
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (*p || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 || sec > 59)
		return false;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if (utc) {
		*out = timegm(&tm) - sign * (oh * 3600 + om * 60);
	} else {
		tm.tm_isdst = -1;
		*out = mktime(&tm);
	}
	return true;
}

/* A chunk's cutover: dst is the carve_chunk, which keeps the text too. */
bool plan_set_cutover(plan_load *ld, const pnode *v, void *dst, const plan_field *f)
{
	carve_chunk *chunk = dst;

	if (v->kind != PNODE_SCALAR || !parse_time(v->u.str, &chunk->cutover)) {
		plan_diag(ld, v, "'%s' must be a time such as 2026-12-05T22:00:00Z "
				 "or 2026-12-05T23:00+01:00", f->key);
		return false;
	}
	chunk->cutover_text = keep(ld, v->u.str, v->len);
	return true;
}

bool plan_set_submap(plan_load *ld, const pnode *v, void *dst, const plan_field *f)
{
	if (v->kind != PNODE_MAP) {
		plan_diag(ld, v, "'%s' must be a mapping", f->key);
		return false;
	}
	plan_walk_map(ld, v, f->arg, dst);
	return true;
}

bool plan_set_list(plan_load *ld, const pnode *v, void *dst, const plan_field *f)
{
	const plan_list_spec *spec = f->arg;
	plan_list *list = dst;

	if (v->kind != PNODE_SEQ) {
		plan_diag(ld, v, "'%s' must be a sequence", f->key);
		return false;
	}
	if (spec->nonempty && v->len == 0) {
		plan_diag(ld, v, "'%s' must have at least one %s", f->key, spec->schema->what);
		return false;
	}
	if (!(list->items = plan_scratch(ld, v->len, spec->item_size)))
		return false;
	list->count = v->len;
	list->node = v;
	for (size_t i = 0; i < v->len; i++) {
		const pnode *item = v->u.kids[i];
		void *obj = (char *)list->items + i * spec->item_size;
		if (spec->init)
			spec->init(obj);
		if (item->kind == PNODE_MAP)
			plan_walk_map(ld, item, spec->schema, obj);
		else if (item->kind != PNODE_BAD)
			plan_diag(ld, item, "each item of '%s' must be a mapping", f->key);
	}
	return true;
}

static const plan_rule rule_hotfix = { "hotfix id", carve_name_hotfix };

/* One OS's hotfix list: dst is the carve_policy, arg the carve_os. */
bool plan_set_hotfixes(plan_load *ld, const pnode *v, void *dst, const plan_field *f)
{
	carve_policy *policy = dst;
	carve_os os = *(const carve_os *)f->arg;
	const plan_field item = { .key = f->key, .arg = &rule_hotfix };
	const char **ids;
	bool ok = true;

	if (v->kind != PNODE_SEQ) {
		plan_diag(ld, v, "'%s' must be a sequence of hotfix ids", f->key);
		return false;
	}
	ids = carve_arena_calloc(&ld->plan->arena, v->len ? v->len : 1, sizeof(*ids));
	if (!ids) {
		ld->oom = true;
		return false;
	}
	for (size_t i = 0; i < v->len; i++) {
		const pnode *id = v->u.kids[i];
		if (id->kind != PNODE_BAD && !plan_set_string(ld, id, &ids[i], &item))
			ok = false;
	}
	policy->hotfixes[os] = ids;
	policy->hotfix_count[os] = v->len;
	return ok;
}

static const plan_rule rule_package = { "package path", plan_name_package };

/* hotfix_packages: { KB944043: '\\fs01\patches\...exe', ... }; dst is the
 * carve_policy. */
bool plan_set_packages(plan_load *ld, const pnode *v, void *dst, const plan_field *f)
{
	carve_policy *policy = dst;
	const plan_field id_field = { .key = f->key, .arg = &rule_hotfix };
	const plan_field path_field = { .key = f->key, .arg = &rule_package };
	size_t n = v->kind == PNODE_MAP ? v->len / 2 : 0;
	const char **ids, **paths;
	bool ok = true;

	if (v->kind != PNODE_MAP) {
		plan_diag(ld, v, "'%s' must map hotfix ids to installer paths", f->key);
		return false;
	}
	ids = carve_arena_calloc(&ld->plan->arena, n ? n : 1, sizeof(*ids));
	paths = carve_arena_calloc(&ld->plan->arena, n ? n : 1, sizeof(*paths));
	if (!ids || !paths) {
		ld->oom = true;
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		const pnode *k = v->u.kids[2 * i], *p = v->u.kids[2 * i + 1];
		if (k->flags & PNODE_REPORTED)
			continue;
		ok &= plan_set_string(ld, k, &ids[i], &id_field);
		ok &= plan_set_string(ld, p, &paths[i], &path_field);
	}
	policy->hotfix_package_ids = ids;
	policy->hotfix_package_paths = paths;
	policy->hotfix_package_count = n;
	return ok;
}

/* at: [column, row], 1-based as people count; dst is the carve_machine. */
bool plan_set_at(plan_load *ld, const pnode *v, void *dst, const plan_field *f)
{
	carve_machine *m = dst;
	uint64_t col = 0, row = 0;

	if (v->kind != PNODE_SEQ || v->len != 2 || v->u.kids[0]->kind != PNODE_SCALAR ||
	    v->u.kids[1]->kind != PNODE_SCALAR ||
	    !parse_u64(v->u.kids[0]->u.str, v->u.kids[0]->len, &col) ||
	    !parse_u64(v->u.kids[1]->u.str, v->u.kids[1]->len, &row) ||
	    col < 1 || row < 1 || col > UINT_MAX || row > UINT_MAX) {
		plan_diag(ld, v, "'%s' must be [column, row], two integers from 1", f->key);
		return false;
	}
	m->x = (unsigned)(col - 1);
	m->y = (unsigned)(row - 1);
	return true;
}

/* Tabs are refused at the tab itself: the document tree only knows where
 * the block starts, so find it in the source. */
static void report_tab(plan_load *ld, const pnode *v)
{
	plan_src_pos *c = &ld->cursor;

	if (c->chr > v->index)
		plan_src_start(c, ld->buf, ld->len);
	while (c->chr < v->index && c->byte < ld->len)
		plan_src_step(c, ld->buf, ld->len);
	/* Past the "|" header line: a comment there may hold a tab. */
	for (unsigned line = c->line; c->line == line && c->byte < ld->len;)
		plan_src_step(c, ld->buf, ld->len);
	while (c->byte < ld->len && ld->buf[c->byte] != '\t')
		plan_src_step(c, ld->buf, ld->len);
	carve_diags_add(ld->diags, c->line, c->col,
			"tab in a floor map: draw with spaces so that columns are unambiguous");
}

/* The drawing; dst is the plan_floor_raw.  Rows split on \n, one trailing
 * newline dropped; widths in characters. */
bool plan_set_floor_map(plan_load *ld, const pnode *v, void *dst, const plan_field *f)
{
	plan_floor_raw *floor = dst;
	size_t len = v->len, rows = 1;
	char *text;

	if (v->kind != PNODE_SCALAR || !(v->flags & PNODE_LITERAL) || len == 0) {
		plan_diag(ld, v, "'%s' must be a literal block scalar (%s: |)", f->key, f->key);
		return false;
	}
	if (memchr(v->u.str, '\t', len)) {
		report_tab(ld, v);
		return false;
	}
	if (v->u.str[len - 1] == '\n')
		len--;
	for (size_t i = 0; i < len; i++)
		rows += v->u.str[i] == '\n';
	const char **row = carve_arena_calloc(&ld->plan->arena, rows, sizeof(*row));
	size_t *cols = plan_scratch(ld, rows, sizeof(*cols));
	if (!row || !cols || !(text = carve_arena_strndup(&ld->plan->arena, v->u.str, len))) {
		ld->oom = true;
		return false;
	}
	floor->pub.rows = row;
	floor->pub.row_count = rows;
	floor->row_cols = cols;
	floor->map = v->u.str;
	for (size_t r = 0; r < rows; r++) {
		char *end = strchr(text, '\n');
		size_t n = end ? (size_t)(end - text) : strlen(text);
		row[r] = text;
		cols[r] = plan_utf8_count(text, n);
		if (cols[r] > floor->pub.width)
			floor->pub.width = cols[r];
		if (end)
			*end = '\0';
		text += n + 1;
	}
	return true;
}

/* ------------------------------------------------------------ walker */

static const plan_field *find_field(const plan_schema *s, const char *key)
{
	for (size_t i = 0; i < s->count; i++)
		if (s->fields[i].key[0] == key[0] && strcmp(s->fields[i].key, key) == 0)
			return &s->fields[i];
	return NULL;
}

void plan_walk_map(plan_load *ld, const pnode *map, const plan_schema *s, void *obj)
{
	uint32_t seen = 0;

	for (size_t i = 0; i < map->len; i += 2) {
		const pnode *k = map->u.kids[i], *v = map->u.kids[i + 1];
		const plan_field *f;

		if (k->flags & PNODE_REPORTED || k->kind == PNODE_BAD)
			continue;
		if (k->kind != PNODE_SCALAR) {
			plan_diag(ld, k, "mapping keys must be strings");
		} else if (!(f = find_field(s, k->u.str))) {
			char where[64];
			snprintf(where, sizeof(where), " in %s", s->what);
			plan_unknown(ld, k, "key", where, k->u.str,
				     plan_suggest(ld, k->u.str, s->fields, sizeof(*f), s->count));
		} else if (f->replaced) {
			plan_diag(ld, k, "%s", f->replaced);
		} else {
			seen |= UINT32_C(1) << (f - s->fields);
			if (v->kind != PNODE_BAD && f->set(ld, v, (char *)obj + f->offset, f) &&
			    f->node_offset)
				*(const pnode **)((char *)obj + f->node_offset) = v;
		}
	}
	for (size_t i = 0; i < s->count; i++)
		if (s->fields[i].required && !(seen & (UINT32_C(1) << i)))
			plan_diag(ld, map, "%s is missing required key '%s'", s->what,
				  s->fields[i].key);
	if (s->finish)
		s->finish(ld, obj, map);
}
