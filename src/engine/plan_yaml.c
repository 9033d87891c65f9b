/*
 * plan_yaml.c - a site plan's bytes to a small document tree.
 *
 * UTF-8 is checked here first because libyaml reports bad bytes without a
 * line and column.  libyaml's events are then built into pnodes carrying
 * their positions, refusing what a plan never needs (anchors and aliases,
 * deep nesting, several documents) and catching what libyaml lets through
 * (duplicate keys, inline secrets, at any depth, known key or not).
 */
#include "plan_internal.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

size_t plan_utf8_seq(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len;
	unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4;
	else
		return 0;
	/* Overlong forms, surrogates and code points past U+10FFFF. */
	if (s[0] == 0xE0)
		lo = 0xA0;
	else if (s[0] == 0xED)
		hi = 0x9F;
	else if (s[0] == 0xF0)
		lo = 0x90;
	else if (s[0] == 0xF4)
		hi = 0x8F;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return len;
}

size_t plan_utf8_count(const char *s, size_t n)
{
	size_t count = 0;

	for (size_t i = 0; i < n; i++)
		count += ((unsigned char)s[i] & 0xC0) != 0x80;
	return count;
}

void plan_src_start(plan_src_pos *p, const char *buf, size_t len)
{
	/* libyaml drops a BOM before it starts counting. */
	bool bom = len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0;

	*p = (plan_src_pos){ bom ? 3 : 0, 0, 1, 1 };
}

void plan_src_step(plan_src_pos *p, const char *buf, size_t len)
{
	const char *s = buf + p->byte;
	size_t left = len - p->byte, n = plan_utf8_seq(s, left);
	bool crlf = left >= 2 && s[0] == '\r' && s[1] == '\n';
	/* libyaml's line breaks: LF, CR, CR LF, NEL, LS and PS. */
	bool brk = s[0] == '\n' || s[0] == '\r' ||
		   (n == 2 && memcmp(s, "\xC2\x85", 2) == 0) ||
		   (n == 3 && (memcmp(s, "\xE2\x80\xA8", 3) == 0 ||
			       memcmp(s, "\xE2\x80\xA9", 3) == 0));

	p->byte += crlf ? 2 : n ? n : 1;
	p->chr += crlf ? 2 : 1;
	if (brk) {
		p->line++;
		p->col = 1;
	} else {
		p->col++;
	}
}

const char *plan_show(carve_arena *arena, const char *s, size_t len)
{
	enum { MAX_CHARS = 40 };
	/* Each character takes at most 4 bytes, or 4 as an escape. */
	char out[MAX_CHARS * 4 + 4];
	size_t o = 0, chars = 0;

	for (size_t i = 0; i < len; chars++) {
		unsigned char c = (unsigned char)s[i];
		size_t n = plan_utf8_seq(s + i, len - i);

		if (chars == MAX_CHARS) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (c < 0x20 || c == 0x7f || n == 0) {
			static const char hex[] = "0123456789abcdef";
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
			i++;
		} else {
			memcpy(out + o, s + i, n);
			o += n;
			i += n;
		}
	}
	const char *copy = carve_arena_strndup(arena, out, o);
	return copy ? copy : "?";
}

bool pnode_is_null(const pnode *v)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };

	if (v->kind != PNODE_SCALAR || !(v->flags & PNODE_PLAIN) || v->len > 4)
		return false;
	for (size_t i = 0; i < CARVE_ARRAY_SIZE(nulls); i++)
		if (strcmp(v->u.str, nulls[i]) == 0)
			return true;
	return false;
}

const pnode *pnode_get(const pnode *map, const char *key)
{
	for (size_t i = 0; map->kind == PNODE_MAP && i < map->len; i += 2) {
		const pnode *k = map->u.kids[i];
		if (k->kind == PNODE_SCALAR && !(k->flags & PNODE_REPORTED) &&
		    k->u.str[0] == key[0] && strcmp(k->u.str, key) == 0)
			return map->u.kids[i + 1];
	}
	return NULL;
}

typedef struct {
	carve_arena *arena;
	carve_diags *diags;
	pnode **kids; /* children of the open collections, innermost last */
	size_t kid_count, kid_cap;
	struct {
		pnode *node;
		size_t first; /* its first child in kids */
	} open[PLAN_MAX_DEPTH];
	unsigned depth;
	pnode *root;
	unsigned documents;
	bool refused_anchor; /* one report is enough, however many there are */
	pnode **keys;        /* scratch for the duplicate-key sort */
	size_t key_cap;
	bool oom;
} builder;

static void diag_at(builder *b, const pnode *n, const char *msg)
{
	carve_diags_add(b->diags, n->line, n->col, "%s", msg);
}

/* extra: room for a scalar's text right after the node, one allocation. */
static pnode *node_new(builder *b, pnode_kind kind, yaml_mark_t mark, size_t extra)
{
	pnode *n = extra <= SIZE_MAX - sizeof(*n) ? carve_arena_alloc(b->arena, sizeof(*n) + extra)
						   : NULL;

	if (!n) {
		b->oom = true;
		return NULL;
	}
	*n = (pnode){ .kind = (unsigned char)kind,
		      .line = (unsigned)mark.line + 1,
		      .col = (unsigned)mark.column + 1,
		      .index = mark.index };
	return n;
}

static void add_child(builder *b, pnode *n)
{
	if (b->depth == 0) {
		b->root = n;
		return;
	}
	if (b->kid_count == b->kid_cap) {
		size_t cap = b->kid_cap ? b->kid_cap * 2 : 256;
		pnode **kids = realloc(b->kids, cap * sizeof(*kids));
		if (!kids) {
			b->oom = true;
			return;
		}
		b->kids = kids;
		b->kid_cap = cap;
	}
	b->kids[b->kid_count++] = n;
}

static void refuse_anchor(builder *b, const pnode *n)
{
	if (!b->refused_anchor)
		diag_at(b, n, "anchors and aliases are not allowed in a site plan");
	b->refused_anchor = true;
}

static bool is_secret(const pnode *key)
{
	static const char *const secrets[] = {
		"password", "passphrase", "secret", "token", "private_key",
	};

	for (size_t i = 0; i < CARVE_ARRAY_SIZE(secrets); i++)
		if (key->len == strlen(secrets[i]) &&
		    carve_strcasecmp(key->u.str, secrets[i]) == 0)
			return true;
	return false;
}

/* Orders keys by text, then by position, so equal keys sit together with
 * the first occurrence leading. */
static int key_cmp(const void *pa, const void *pb)
{
	const pnode *a = *(const pnode *const *)pa, *b = *(const pnode *const *)pb;

	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	int c = memcmp(a->u.str, b->u.str, a->len);
	if (c)
		return c;
	return a->index < b->index ? -1 : a->index > b->index;
}

/* Sorting rather than comparing pairs keeps a 10,000-key mapping fast. */
static void check_keys(builder *b, pnode *map)
{
	size_t n = 0, pairs = map->len / 2;

	if (pairs > b->key_cap) {
		pnode **keys = realloc(b->keys, pairs * sizeof(*keys));
		if (!keys) {
			b->oom = true;
			return;
		}
		b->keys = keys;
		b->key_cap = pairs;
	}
	for (size_t i = 0; i < map->len; i += 2) {
		pnode *k = map->u.kids[i];
		if (k->kind != PNODE_SCALAR)
			continue;
		if (is_secret(k)) {
			carve_diags_add(b->diags, k->line, k->col,
					"inline secret '%s' refused: a plan names where a "
					"secret comes from (an account's auth, key_file or "
					"password_file), never the secret",
					plan_show(b->arena, k->u.str, k->len));
			k->flags |= PNODE_REPORTED;
			continue;
		}
		b->keys[n++] = k;
	}
	qsort(b->keys, n, sizeof(*b->keys), key_cmp);
	for (size_t first = 0, i = 1; i < n; i++) {
		const pnode *f = b->keys[first];
		pnode *k = b->keys[i];
		if (k->len != f->len || memcmp(k->u.str, f->u.str, k->len) != 0) {
			first = i;
			continue;
		}
		carve_diags_add(b->diags, k->line, k->col,
				"duplicate key '%s' (first at %u:%u)",
				plan_show(b->arena, k->u.str, k->len), f->line, f->col);
		k->flags |= PNODE_REPORTED;
	}
}

static void close_collection(builder *b)
{
	b->depth--;
	pnode *n = b->open[b->depth].node;
	size_t first = b->open[b->depth].first, count = b->kid_count - first;

	n->len = count;
	n->u.kids = carve_arena_alloc(b->arena, (count ? count : 1) * sizeof(pnode *));
	if (!n->u.kids) {
		b->oom = true;
		return;
	}
	memcpy(n->u.kids, b->kids + first, count * sizeof(pnode *));
	b->kid_count = first;
	if (n->kind == PNODE_MAP)
		check_keys(b, n);
	add_child(b, n);
}

/* Returns false when the stream cannot be read further. */
static bool on_event(builder *b, const yaml_event_t *ev)
{
	pnode *n = NULL;
	const yaml_char_t *anchor = NULL;

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++b->documents > 1) {
			carve_diags_add(b->diags, (unsigned)ev->start_mark.line + 1,
					(unsigned)ev->start_mark.column + 1,
					"multiple documents are not allowed in a site plan");
			return false;
		}
		return true;
	case YAML_ALIAS_EVENT:
		if ((n = node_new(b, PNODE_BAD, ev->start_mark, 0))) {
			refuse_anchor(b, n);
			add_child(b, n);
		}
		return !b->oom;
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		if (!(n = node_new(b, PNODE_SCALAR, ev->start_mark, ev->data.scalar.length + 1)))
			return false;
		n->len = ev->data.scalar.length;
		n->u.str = memcpy(n + 1, ev->data.scalar.value, n->len);
		((char *)(n + 1))[n->len] = '\0';
		if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
			n->flags |= PNODE_PLAIN;
		else if (ev->data.scalar.style == YAML_LITERAL_SCALAR_STYLE)
			n->flags |= PNODE_LITERAL;
		break;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		anchor = ev->type == YAML_SEQUENCE_START_EVENT
				 ? ev->data.sequence_start.anchor
				 : ev->data.mapping_start.anchor;
		n = node_new(b, ev->type == YAML_SEQUENCE_START_EVENT ? PNODE_SEQ : PNODE_MAP,
			     ev->start_mark, 0);
		if (!n)
			return false;
		if (b->depth == PLAN_MAX_DEPTH) {
			diag_at(b, n, "nesting deeper than 32 levels");
			return false;
		}
		if (anchor)
			refuse_anchor(b, n);
		b->open[b->depth].node = n;
		b->open[b->depth].first = b->kid_count;
		b->depth++;
		return true;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		close_collection(b);
		return !b->oom;
	default:
		return true;
	}
	if (anchor)
		refuse_anchor(b, n);
	add_child(b, n);
	return !b->oom;
}

static void report_yaml_error(builder *b, const yaml_parser_t *p,
			      const char *buf, size_t len)
{
	plan_src_pos pos = { 0, 0, (unsigned)p->problem_mark.line + 1,
			     (unsigned)p->problem_mark.column + 1 };

	/* A reader error has only a byte offset. */
	if (p->error == YAML_READER_ERROR) {
		plan_src_start(&pos, buf, len);
		while (pos.byte < p->problem_offset && pos.byte < len)
			plan_src_step(&pos, buf, len);
	}
	/* "CONTOSO\svc" in double quotes: YAML reads \s as an escape. */
	bool escape = p->problem && strstr(p->problem, "unknown escape character");
	carve_diags_add(b->diags, pos.line, pos.col, "YAML syntax error: %s%s",
			p->problem ? p->problem : "unreadable input",
			escape ? " (in double quotes a backslash starts an escape: write a"
				 " DOMAIN\\user name in single quotes, 'CONTOSO\\svc')" : "");
}

/* Offset of the first byte that is not part of valid UTF-8, or len. */
static size_t utf8_invalid_at(const char *buf, size_t len)
{
	size_t i = 0;

	while (i < len) {
		if ((unsigned char)buf[i] < 0x80) {
			i++;
			continue;
		}
		size_t n = plan_utf8_seq(buf + i, len - i);
		if (n == 0)
			break;
		i += n;
	}
	return i;
}

int plan_yaml_parse(pnode **root, carve_arena *arena, carve_diags *diags,
		    const char *buf, size_t len)
{
	builder b = { .arena = arena, .diags = diags };
	yaml_parser_t parser;
	yaml_event_t ev;
	size_t bad = utf8_invalid_at(buf, len);
	bool more = true, ok = true;
	int err = 0;

	*root = NULL;
	if (bad < len) {
		plan_src_pos pos;
		plan_src_start(&pos, buf, len);
		while (pos.byte < bad)
			plan_src_step(&pos, buf, len);
		carve_diags_add(diags, pos.line, pos.col, "invalid UTF-8: byte 0x%02x",
				(unsigned char)buf[bad]);
		return 0;
	}
	if (!yaml_parser_initialize(&parser))
		return carve_error_oom();
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (more) {
		if (!yaml_parser_parse(&parser, &ev)) {
			if (parser.error == YAML_MEMORY_ERROR)
				b.oom = true;
			else
				report_yaml_error(&b, &parser, buf, len);
			ok = false;
			break;
		}
		more = ev.type != YAML_STREAM_END_EVENT;
		if (!on_event(&b, &ev)) {
			ok = b.documents > 1 && !b.oom;
			more = false;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	if (b.oom) {
		err = carve_error_oom();
		goto done;
	}
	if (ok && !b.root)
		carve_diags_add(diags, 1, 1, "site plan is empty");
	*root = ok ? b.root : NULL;
done:
	free(b.kids);
	free(b.keys);
	return err;
}
