/*
 * ps_value.c - PowerShell's values: how they convert, compare, print and
 * format (about_Comparison_Operators, about_Operators, .NET composite
 * formatting), and .NET regular expressions read into POSIX ones.
 *
 * PowerShell 2.0 runs on .NET 2.0/3.5: a double prints with 15 significant
 * digits (Double.ToString() is "G"), strings compare without case in the
 * invariant culture, and a comparison converts its right operand to the
 * type of its left.
 */
#include "ps.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const pv PV_NULL_VALUE = { .k = PV_NULL };

pv pv_bool(bool b)
{
	return (pv){ .k = PV_BOOL, .u.b = b };
}

pv pv_int(int64_t i)
{
	return (pv){ .k = PV_INT, .u.i = i };
}

pv pv_double(double d)
{
	return (pv){ .k = PV_DOUBLE, .u.d = d };
}

pv pv_strn(ps_ctx *c, const char *s, size_t n)
{
	char *copy = carve_arena_strndup(&c->arena, s ? s : "", s ? n : 0);

	return (pv){ .k = PV_STR, .u.s = copy ? copy : "" };
}

pv pv_str(ps_ctx *c, const char *s)
{
	return pv_strn(c, s, s ? strlen(s) : 0);
}

pv pv_strf(ps_ctx *c, const char *fmt, ...)
{
	carve_buf b = CARVE_BUF_INIT;
	va_list ap;
	char tmp[1024];

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	carve_buf_puts(&b, tmp);
	pv v = pv_str(c, carve_buf_cstr(&b));
	carve_buf_done(&b);
	return v;
}

pv pv_obj(ps_obj *o)
{
	return o ? (pv){ .k = PV_OBJ, .u.o = o } : PV_NULL_VALUE;
}

pv pv_array(ps_array *a)
{
	return (pv){ .k = PV_ARRAY, .u.a = a };
}

/* ------------------------------------------------------------ containers */

/* Grows *v (n used, *cap room) by one; the old block stays in the arena. */
static bool grow(ps_ctx *c, void **v, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return true;
	size_t want = *cap ? *cap * 2 : 8;
	void *nv = carve_arena_alloc(&c->arena, want * size);
	if (!nv)
		return false;
	if (n)
		memcpy(nv, *v, n * size);
	*v = nv;
	*cap = want;
	return true;
}

ps_array *ps_array_new(ps_ctx *c)
{
	return carve_arena_calloc(&c->arena, 1, sizeof(ps_array));
}

void ps_array_push(ps_ctx *c, ps_array *a, pv v)
{
	if (a && grow(c, (void **)&a->v, a->n, &a->cap, sizeof(pv)))
		a->v[a->n++] = v;
}

ps_hash *ps_hash_new(ps_ctx *c)
{
	return carve_arena_calloc(&c->arena, 1, sizeof(ps_hash));
}

void ps_hash_set(ps_ctx *c, ps_hash *h, const char *key, pv v)
{
	for (size_t i = 0; i < h->n; i++)
		if (!strcasecmp(h->e[i].key, key)) {
			h->e[i].val = v;
			return;
		}
	if (grow(c, (void **)&h->e, h->n, &h->cap, sizeof(ps_hash_entry))) {
		h->e[h->n].key = carve_arena_strdup(&c->arena, key);
		h->e[h->n++].val = v;
	}
}

bool ps_hash_get(const ps_hash *h, const char *key, pv *out)
{
	for (size_t i = 0; h && i < h->n; i++)
		if (!strcasecmp(h->e[i].key, key)) {
			*out = h->e[i].val;
			return true;
		}
	return false;
}

ps_obj *ps_obj_new(ps_ctx *c, const ps_class *cls)
{
	ps_obj *o = carve_arena_calloc(&c->arena, 1, sizeof(*o));

	if (o)
		o->cls = cls;
	return o;
}

ps_prop *ps_obj_find(ps_obj *o, const char *name)
{
	for (size_t i = 0; o && i < o->n; i++)
		if (!strcasecmp(o->props[i].name, name))
			return &o->props[i];
	return NULL;
}

void ps_obj_set(ps_ctx *c, ps_obj *o, const char *name, pv v)
{
	ps_prop *p = ps_obj_find(o, name);

	if (p) {
		p->val = v;
		return;
	}
	if (o && grow(c, (void **)&o->props, o->n, &o->cap, sizeof(ps_prop))) {
		o->props[o->n].name = carve_arena_strdup(&c->arena, name);
		o->props[o->n++].val = v;
	}
}

void pv_list_push(ps_ctx *c, pv_list *l, pv v)
{
	if (grow(c, (void **)&l->v, l->n, &l->cap, sizeof(pv)))
		l->v[l->n++] = v;
}

void pv_list_write(ps_ctx *c, pv_list *l, pv v)
{
	if (v.k == PV_ARRAY) {
		for (size_t i = 0; i < v.u.a->n; i++)
			pv_list_push(c, l, v.u.a->v[i]);
	} else {
		pv_list_push(c, l, v);
	}
}

pv pv_list_collect(ps_ctx *c, const pv_list *l)
{
	if (l->n == 0)
		return PV_NULL_VALUE;
	if (l->n == 1)
		return l->v[0];
	ps_array *a = ps_array_new(c);
	for (size_t i = 0; a && i < l->n; i++)
		ps_array_push(c, a, l->v[i]);
	return a ? pv_array(a) : PV_NULL_VALUE;
}

/* ------------------------------------------------------------ conversion */

const pv *pv_items(const pv *v, size_t *n)
{
	*n = !v ? 0 : v->k == PV_ARRAY ? v->u.a->n : 1;
	return !v ? NULL : v->k == PV_ARRAY ? v->u.a->v : v;
}

bool pv_truthy(pv v)
{
	switch (v.k) {
	case PV_NULL: return false;
	case PV_BOOL: return v.u.b;
	case PV_INT: return v.u.i != 0;
	case PV_DOUBLE: return v.u.d != 0;
	case PV_STR: return v.u.s[0] != '\0';
	case PV_ARRAY:
		return v.u.a->n > 1 || (v.u.a->n == 1 && pv_truthy(v.u.a->v[0]));
	default: return true;
	}
}

static const char *double_str(ps_ctx *c, double d)
{
	char buf[64];

	if (isnan(d))
		return "NaN";
	if (isinf(d))
		return d > 0 ? "Infinity" : "-Infinity";
	snprintf(buf, sizeof(buf), "%.15G", d);
	/* .NET writes E+15 where C writes E+15 too, but drops "E+0" padding */
	char *e = strchr(buf, 'E');
	if (e && (e[2] == '0')) {
		char *digits = e + 2;
		while (*digits == '0' && digits[1])
			memmove(digits, digits + 1, strlen(digits));
	}
	return carve_arena_strdup(&c->arena, buf);
}

const char *pv_to_str(ps_ctx *c, pv v)
{
	char buf[32];

	switch (v.k) {
	case PV_NULL: return "";
	case PV_BOOL: return v.u.b ? "True" : "False";
	case PV_INT:
		snprintf(buf, sizeof(buf), "%lld", (long long)v.u.i);
		return carve_arena_strdup(&c->arena, buf);
	case PV_DOUBLE: return double_str(c, v.u.d);
	case PV_STR: return v.u.s;
	case PV_ARRAY: {
		/* "$array" joins with $OFS, a space by default */
		carve_buf b = CARVE_BUF_INIT;
		for (size_t i = 0; i < v.u.a->n; i++) {
			if (i)
				carve_buf_putc(&b, ' ');
			carve_buf_puts(&b, pv_to_str(c, v.u.a->v[i]));
		}
		const char *s = carve_arena_strdup(&c->arena, carve_buf_cstr(&b));
		carve_buf_done(&b);
		return s ? s : "";
	}
	case PV_HASH: return "System.Collections.Hashtable";
	case PV_BLOCK: {
		const ps_node *n = v.u.blk;
		size_t from = n->pos + 1, to = n->end > from ? n->end - 1 : from;
		/* a block made by Invoke-Expression's text, shown after it: its
		 * positions are not in this script's text */
		if (to > c->src_len)
			return "";
		return carve_arena_strndup(&c->arena, c->src + from, to - from);
	}
	case PV_OBJ:
		if (v.u.o->cls->to_string)
			return v.u.o->cls->to_string(c, v.u.o);
		return v.u.o->cls->type_name;
	case PV_TYPE: return v.u.t->name;
	}
	return "";
}

const char *pv_type_name(pv v)
{
	switch (v.k) {
	case PV_NULL: return "null";
	case PV_BOOL: return "System.Boolean";
	case PV_INT: return v.u.i >= INT32_MIN && v.u.i <= INT32_MAX ? "System.Int32"
								     : "System.Int64";
	case PV_DOUBLE: return "System.Double";
	case PV_STR: return "System.String";
	case PV_ARRAY: return "System.Object[]";
	case PV_HASH: return "System.Collections.Hashtable";
	case PV_BLOCK: return "System.Management.Automation.ScriptBlock";
	case PV_OBJ: return v.u.o->cls->type_name;
	case PV_TYPE: return "System.RuntimeType";
	}
	return "System.Object";
}

/* Reads a whole string as a number the way PowerShell converts one. */
static bool parse_number(const char *s, int64_t *i, double *d, bool *is_int)
{
	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return false;
	char *end;
	errno = 0;
	if ((s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ||
	    (s[0] == '-' && s[1] == '0' && (s[2] == 'x' || s[2] == 'X'))) {
		long long v = strtoll(s, &end, 16);
		if (errno || end == s)
			return false;
		*i = v;
		*is_int = true;
	} else {
		long long v = strtoll(s, &end, 10);
		if (!errno && end != s && (!*end || isspace((unsigned char)*end))) {
			*i = v;
			*is_int = true;
		} else {
			errno = 0;
			*d = strtod(s, &end);
			if (errno || end == s)
				return false;
			*is_int = false;
		}
	}
	while (isspace((unsigned char)*end))
		end++;
	return *end == '\0';
}

bool pv_is_number(pv v)
{
	int64_t i;
	double d;
	bool is_int;

	return v.k == PV_INT || v.k == PV_DOUBLE ||
	       (v.k == PV_STR && parse_number(v.u.s, &i, &d, &is_int));
}

static int cannot_convert(ps_ctx *c, pv v, const char *type, const char *why)
{
	return ps_throw(c, "System.Management.Automation.RuntimeException",
			"InvalidArgument: (:) [], RuntimeException", "InvalidCastFromStringToInteger",
			"Cannot convert value \"%s\" to type \"%s\". Error: \"%s\"",
			pv_to_str(c, v), type, why);
}

/* .NET rounds half to even when a double becomes an integer. */
static int64_t round_even(double d)
{
	double r = nearbyint(d);

	return (int64_t)r;
}

int pv_to_int(ps_ctx *c, pv v, int64_t *out)
{
	int64_t i;
	double d;
	bool is_int;

	switch (v.k) {
	case PV_NULL: *out = 0; return 0;
	case PV_BOOL: *out = v.u.b; return 0;
	case PV_INT: *out = v.u.i; return 0;
	case PV_DOUBLE: *out = round_even(v.u.d); return 0;
	case PV_STR:
		if (!parse_number(v.u.s, &i, &d, &is_int))
			return cannot_convert(c, v, "System.Int32",
					      "Input string was not in a correct format.");
		*out = is_int ? i : round_even(d);
		return 0;
	case PV_ARRAY:
		if (v.u.a->n == 1)
			return pv_to_int(c, v.u.a->v[0], out);
		/* fall through */
	default:
		return ps_throw(c, "System.Management.Automation.RuntimeException",
				"InvalidArgument: (:) [], RuntimeException", "ConvertToFinalInvalidCastException",
				"Cannot convert the \"%s\" value of type \"%s\" to type \"System.Int32\".",
				pv_to_str(c, v), pv_type_name(v));
	}
}

int pv_to_double(ps_ctx *c, pv v, double *out)
{
	int64_t i;
	double d;
	bool is_int;

	switch (v.k) {
	case PV_DOUBLE: *out = v.u.d; return 0;
	case PV_STR:
		if (!parse_number(v.u.s, &i, &d, &is_int))
			return cannot_convert(c, v, "System.Double",
					      "Input string was not in a correct format.");
		*out = is_int ? (double)i : d;
		return 0;
	default:
		if (pv_to_int(c, v, &i) < 0)
			return PS_THROW;
		*out = (double)i;
		return 0;
	}
}

/* ------------------------------------------------------------ comparing */

static int sign(double d)
{
	return d < 0 ? -1 : d > 0;
}

int pv_compare(ps_ctx *c, pv a, pv b, bool cs)
{
	int64_t bi;
	double ad, bd;
	bool is_int;
	time_t at, bt;

	if (a.k == PV_NULL)
		return b.k == PV_NULL ? 0 : 2;
	if (b.k == PV_NULL)
		return 2;
	switch (a.k) {
	case PV_BOOL:
		return a.u.b == pv_truthy(b) ? 0 : a.u.b ? 1 : -1;
	case PV_INT:
	case PV_DOUBLE:
		ad = a.k == PV_INT ? (double)a.u.i : a.u.d;
		if (b.k == PV_INT && a.k == PV_INT)
			return a.u.i < b.u.i ? -1 : a.u.i > b.u.i;
		if (b.k == PV_INT || b.k == PV_DOUBLE)
			return sign(ad - (b.k == PV_INT ? (double)b.u.i : b.u.d));
		if (b.k == PV_BOOL)
			return sign(ad - b.u.b);
		if (b.k == PV_STR && parse_number(b.u.s, &bi, &bd, &is_int))
			return sign(ad - (is_int ? (double)bi : bd));
		return 2;
	case PV_STR: {
		const char *bs = pv_to_str(c, b);
		int r = cs ? strcmp(a.u.s, bs) : strcasecmp(a.u.s, bs);
		return r < 0 ? -1 : r > 0;
	}
	case PV_OBJ:
		if (ps_datetime_get(a, &at)) {
			if (ps_datetime_get(b, &bt))
				return at < bt ? -1 : at > bt;
			return 2;
		}
		if (b.k == PV_OBJ && a.u.o == b.u.o)
			return 0;
		if (b.k == PV_STR) {
			int r = strcasecmp(pv_to_str(c, a), b.u.s);
			return r == 0 ? 0 : 2;
		}
		return 2;
	default:
		return a.k == b.k && a.u.a == b.u.a ? 0 : 2;
	}
}

bool ps_like(const char *s, const char *pat, bool cs)
{
	while (*pat) {
		if (*pat == '*') {
			while (*pat == '*')
				pat++;
			if (!*pat)
				return true;
			for (; *s; s++)
				if (ps_like(s, pat, cs))
					return true;
			return false;
		}
		if (!*s)
			return false;
		if (*pat == '?') {
			s++, pat++;
			continue;
		}
		if (*pat == '[') {
			const char *end = strchr(pat + 1, ']');
			if (end) {
				bool hit = false;
				int ch = cs ? *s : tolower((unsigned char)*s);
				for (const char *q = pat + 1; q < end; q++) {
					int lo = cs ? *q : tolower((unsigned char)*q), hi = lo;
					if (q + 2 < end && q[1] == '-') {
						hi = cs ? q[2] : tolower((unsigned char)q[2]);
						q += 2;
					}
					hit |= ch >= lo && ch <= hi;
				}
				if (!hit)
					return false;
				s++;
				pat = end + 1;
				continue;
			}
		}
		if (*pat == '`' && pat[1])
			pat++;
		if (cs ? *s != *pat : tolower((unsigned char)*s) != tolower((unsigned char)*pat))
			return false;
		s++, pat++;
	}
	return *s == '\0';
}

/* ------------------------------------------------------------ formatting */

static void put_grouped(carve_buf *b, const char *digits)
{
	size_t n = strlen(digits);

	for (size_t i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			carve_buf_putc(b, ',');
		carve_buf_putc(b, digits[i]);
	}
}

/* One argument with a format spec, into b; false when the model does not
 * know the format (the caller then fails the script, naming it). */
static bool format_one(ps_ctx *c, carve_buf *b, pv v, const char *spec)
{
	time_t t;
	double d;
	char buf[128];

	if (!*spec) {
		carve_buf_puts(b, pv_to_str(c, v));
		return true;
	}
	if (ps_datetime_get(v, &t)) {
		struct tm tm;
		gmtime_r(&t, &tm);
		if (!strcmp(spec, "s")) {
			strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
		} else if (!strcmp(spec, "u")) {
			strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%SZ", &tm);
		} else if (!strcmp(spec, "yyyy-MM-dd HH:mm:ss")) {
			strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
		} else if (!strcmp(spec, "yyyyMMddHHmmss")) {
			strftime(buf, sizeof(buf), "%Y%m%d%H%M%S", &tm);
		} else {
			return false;
		}
		carve_buf_puts(b, buf);
		return true;
	}
	if (v.k == PV_STR || v.k == PV_NULL || v.k == PV_BOOL) {
		/* .NET ignores a format for these */
		carve_buf_puts(b, pv_to_str(c, v));
		return true;
	}
	if (v.k != PV_INT && v.k != PV_DOUBLE)
		return false;
	int kind = toupper((unsigned char)spec[0]);
	int prec = spec[1] ? atoi(spec + 1) : -1;
	if (spec[1] && !isdigit((unsigned char)spec[1]))
		return false;
	d = v.k == PV_INT ? (double)v.u.i : v.u.d;
	switch (kind) {
	case 'D':
		if (v.k != PV_INT)
			return false;
		snprintf(buf, sizeof(buf), "%0*lld", prec < 0 ? 1 : prec, (long long)v.u.i);
		carve_buf_puts(b, buf);
		return true;
	case 'X':
		if (v.k != PV_INT)
			return false;
		snprintf(buf, sizeof(buf), spec[0] == 'x' ? "%0*llx" : "%0*llX", prec < 0 ? 1 : prec,
			 (unsigned long long)v.u.i);
		carve_buf_puts(b, buf);
		return true;
	case 'F':
		snprintf(buf, sizeof(buf), "%.*f", prec < 0 ? 2 : prec, d);
		carve_buf_puts(b, buf);
		return true;
	case 'N': {
		snprintf(buf, sizeof(buf), "%.*f", prec < 0 ? 2 : prec, fabs(d));
		char *dot = strchr(buf, '.');
		if (dot)
			*dot = '\0';
		if (d < 0 && strspn(buf, "0") != strlen(buf))
			carve_buf_putc(b, '-');
		put_grouped(b, buf);
		if (dot) {
			carve_buf_putc(b, '.');
			carve_buf_puts(b, dot + 1);
		}
		return true;
	}
	case 'G':
		carve_buf_puts(b, pv_to_str(c, v));
		return true;
	default:
		return false;
	}
}

int ps_format(ps_ctx *c, const char *fmt, const pv *args, size_t n, const char **out)
{
	carve_buf b = CARVE_BUF_INIT;
	int err = 0;

	for (const char *p = fmt; *p && !err;) {
		if (*p == '{' && p[1] == '{') {
			carve_buf_putc(&b, '{');
			p += 2;
		} else if (*p == '}' && p[1] == '}') {
			carve_buf_putc(&b, '}');
			p += 2;
		} else if (*p == '{') {
			char *end;
			long idx = strtol(p + 1, &end, 10);
			long align = 0;
			char spec[64] = "";
			if (end == p + 1)
				goto bad;
			while (*end == ' ')
				end++;
			if (*end == ',') {
				align = strtol(end + 1, &end, 10);
				while (*end == ' ')
					end++;
			}
			if (*end == ':') {
				const char *close = strchr(end, '}');
				if (!close || (size_t)(close - end - 1) >= sizeof(spec))
					goto bad;
				memcpy(spec, end + 1, (size_t)(close - end - 1));
				spec[close - end - 1] = '\0';
				end = (char *)close;
			}
			if (*end != '}')
				goto bad;
			if (idx < 0 || (size_t)idx >= n) {
				err = ps_throw(c, "System.Management.Automation.RuntimeException",
					       "InvalidOperation: (%s:String) [], RuntimeException",
					       "FormatError", "Error formatting a string: Index (zero based) "
					       "must be greater than or equal to zero and less than the size "
					       "of the argument list..");
				break;
			}
			carve_buf one = CARVE_BUF_INIT;
			if (!format_one(c, &one, args[idx], spec)) {
				carve_buf_done(&one);
				err = ps_throw(c, "System.Management.Automation.RuntimeException",
					       "NotImplemented: (:) [], RuntimeException",
					       "CarveLabNotModelled", "carve-lab does not model the .NET "
					       "format '%s' for a %s", spec, pv_type_name(args[idx]));
				break;
			}
			size_t w = one.len;
			if (align > 0)
				for (size_t k = w; k < (size_t)align; k++)
					carve_buf_putc(&b, ' ');
			carve_buf_put(&b, one.ptr ? one.ptr : "", one.len);
			if (align < 0)
				for (size_t k = w; k < (size_t)-align; k++)
					carve_buf_putc(&b, ' ');
			carve_buf_done(&one);
			p = end + 1;
		} else if (*p == '}') {
			goto bad;
		} else {
			carve_buf_putc(&b, *p++);
		}
	}
	if (!err)
		*out = carve_arena_strdup(&c->arena, carve_buf_cstr(&b));
	carve_buf_done(&b);
	return err;
bad:
	carve_buf_done(&b);
	return ps_throw(c, "System.Management.Automation.RuntimeException",
			"InvalidOperation: (:) [], RuntimeException", "FormatError",
			"Error formatting a string: Input string was not in a correct format..");
}

/* ------------------------------------------------------------ regexes */

/*
 * A .NET pattern as a POSIX extended one (glibc's regcomp): \d \s \w and
 * their negations, inside and outside brackets, (?: ) groups and (?<name> )
 * groups.  group_of[i] is the POSIX group of .NET group i; names[i] the
 * name of POSIX group i, if any.  Lookaround, lazy quantifiers, and
 * backreferences are refused.
 */
typedef struct {
	carve_buf re;
	int group_of[32];  /* .NET group number -> POSIX group number */
	const char *names[32]; /* POSIX group -> .NET name, or NULL */
	int groups;        /* .NET capturing groups */
	int posix_groups;
	bool icase;
} regex_text;

static int translate(ps_ctx *c, regex_text *t, const char *re)
{
	bool in_class = false;
	const char *start = re;

	memset(t->group_of, 0, sizeof(t->group_of));
	if (!strncmp(re, "(?i)", 4)) {
		t->icase = true;
		re += 4;
	}
	for (const char *p = re; *p; p++) {
		if (*p == '\\' && p[1]) {
			char e = p[1];
			p++;
			const char *cls = NULL;
			switch (e) {
			case 'd': cls = in_class ? "0-9" : "[0-9]"; break;
			case 'D': cls = in_class ? NULL : "[^0-9]"; break;
			case 's': cls = in_class ? "[:space:]" : "[[:space:]]"; break;
			case 'S': cls = in_class ? NULL : "[^[:space:]]"; break;
			case 'w': cls = in_class ? "[:alnum:]_" : "[[:alnum:]_]"; break;
			case 'W': cls = in_class ? NULL : "[^[:alnum:]_]"; break;
			case 'b': case 'B': case '<': case '>':
				if (in_class)
					goto unsupported;
				carve_buf_putc(&t->re, '\\');
				carve_buf_putc(&t->re, e);
				continue;
			case 'n': carve_buf_putc(&t->re, '\n'); continue;
			case 't': carve_buf_putc(&t->re, '\t'); continue;
			case 'r': carve_buf_putc(&t->re, '\r'); continue;
			default:
				if (isdigit((unsigned char)e) || isalpha((unsigned char)e))
					goto unsupported;
				if (in_class) {
					carve_buf_putc(&t->re, e);
				} else {
					carve_buf_putc(&t->re, '\\');
					carve_buf_putc(&t->re, e);
				}
				continue;
			}
			if (!cls)
				goto unsupported;
			carve_buf_puts(&t->re, cls);
			continue;
		}
		if (in_class) {
			if (*p == ']')
				in_class = false;
			carve_buf_putc(&t->re, *p);
			continue;
		}
		if (*p == '[') {
			in_class = true;
			carve_buf_putc(&t->re, '[');
			if (p[1] == '^')
				carve_buf_putc(&t->re, *++p);
			if (p[1] == ']')
				carve_buf_putc(&t->re, *++p);
			continue;
		}
		if (*p == '(' && p[1] == '?') {
			if (p[2] == ':') {
				t->posix_groups++;
				carve_buf_putc(&t->re, '(');
				p += 2;
				continue;
			}
			if (p[2] == '<' && isalpha((unsigned char)p[3])) {
				const char *end = strchr(p + 3, '>');
				if (!end || t->posix_groups >= 31)
					goto unsupported;
				t->posix_groups++;
				t->names[t->posix_groups] =
					carve_arena_strndup(&c->arena, p + 3, (size_t)(end - p - 3));
				carve_buf_putc(&t->re, '(');
				p = end;
				continue;
			}
			goto unsupported;
		}
		if (*p == '(') {
			if (t->groups >= 31 || t->posix_groups >= 31)
				goto unsupported;
			t->posix_groups++;
			t->group_of[++t->groups] = t->posix_groups;
			carve_buf_putc(&t->re, '(');
			continue;
		}
		if ((*p == '*' || *p == '+' || *p == '?' || *p == '}') && p[1] == '?')
			goto unsupported;
		carve_buf_putc(&t->re, *p);
	}
	return 0;
unsupported:
	return ps_throw(c, "System.Management.Automation.RuntimeException",
			"NotImplemented: (:) [], RuntimeException", "CarveLabNotModelled",
			"carve-lab does not model this .NET regular expression: %s", start);
}

static int compile(ps_ctx *c, regex_t *rx, regex_text *t, const char *re, bool cs)
{
	memset(t, 0, sizeof(*t));
	if (translate(c, t, re) < 0) {
		carve_buf_done(&t->re);
		return PS_THROW;
	}
	int flags = REG_EXTENDED | (cs && !t->icase ? 0 : REG_ICASE);
	int rc = regcomp(rx, carve_buf_cstr(&t->re), flags);
	carve_buf_done(&t->re);
	if (rc != 0)
		return ps_throw(c, "System.Management.Automation.RuntimeException",
				"InvalidOperation: (%s:String) [], RuntimeException",
				"InvalidRegularExpression", "Invalid regular expression pattern: %s.", re);
	return 0;
}

int ps_regex_match(ps_ctx *c, const char *s, const char *re, bool cs, bool *hit,
		   ps_hash **groups)
{
	regex_t rx;
	regex_text t;
	regmatch_t m[33];

	if (compile(c, &rx, &t, re, cs) < 0)
		return PS_THROW;
	*hit = regexec(&rx, s, 33, m, 0) == 0;
	if (*hit && groups) {
		ps_hash *h = ps_hash_new(c);
		for (int g = 0; h && g <= t.groups; g++) {
			int pg = g ? t.group_of[g] : 0;
			if (m[pg].rm_so < 0)
				continue;
			char key[16];
			snprintf(key, sizeof(key), "%d", g);
			ps_hash_set(c, h, key, pv_strn(c, s + m[pg].rm_so,
						       (size_t)(m[pg].rm_eo - m[pg].rm_so)));
		}
		for (int pg = 1; h && pg <= t.posix_groups; pg++)
			if (t.names[pg] && m[pg].rm_so >= 0)
				ps_hash_set(c, h, t.names[pg], pv_strn(c, s + m[pg].rm_so,
								    (size_t)(m[pg].rm_eo - m[pg].rm_so)));
		*groups = h;
	}
	regfree(&rx);
	return 0;
}

int ps_regex_replace(ps_ctx *c, const char *s, const char *re, const char *with, bool cs,
		     const char **out)
{
	regex_t rx;
	regex_text t;
	regmatch_t m[33];
	carve_buf b = CARVE_BUF_INIT;
	const char *p = s;

	if (compile(c, &rx, &t, re, cs) < 0)
		return PS_THROW;
	while (*p || p == s) {
		if (regexec(&rx, p, 33, m, p == s ? 0 : REG_NOTBOL) != 0)
			break;
		carve_buf_put(&b, p, (size_t)m[0].rm_so);
		for (const char *w = with; *w; w++) {
			if (*w == '$' && isdigit((unsigned char)w[1])) {
				int g = w[1] - '0', pg = g ? (g <= t.groups ? t.group_of[g] : -1) : 0;
				if (pg >= 0 && m[pg].rm_so >= 0)
					carve_buf_put(&b, p + m[pg].rm_so, (size_t)(m[pg].rm_eo - m[pg].rm_so));
				w++;
			} else if (*w == '$' && w[1] == '$') {
				carve_buf_putc(&b, '$');
				w++;
			} else {
				carve_buf_putc(&b, *w);
			}
		}
		if (m[0].rm_eo == m[0].rm_so) {
			if (!p[m[0].rm_eo]) {
				p += m[0].rm_eo;
				break;
			}
			carve_buf_putc(&b, p[m[0].rm_eo]);
			p += m[0].rm_eo + 1;
		} else {
			p += m[0].rm_eo;
		}
	}
	carve_buf_puts(&b, p);
	regfree(&rx);
	*out = carve_arena_strdup(&c->arena, carve_buf_cstr(&b));
	carve_buf_done(&b);
	return 0;
}

int ps_regex_split(ps_ctx *c, const char *s, const char *re, bool cs, ps_array **out)
{
	regex_t rx;
	regex_text t;
	regmatch_t m[1];
	const char *p = s;
	ps_array *a = ps_array_new(c);

	if (compile(c, &rx, &t, re, cs) < 0)
		return PS_THROW;
	while (a && regexec(&rx, p, 1, m, p == s ? 0 : REG_NOTBOL) == 0 && m[0].rm_eo > 0) {
		ps_array_push(c, a, pv_strn(c, p, (size_t)m[0].rm_so));
		p += m[0].rm_eo;
	}
	ps_array_push(c, a, pv_str(c, p));
	regfree(&rx);
	*out = a;
	return 0;
}
