/*
 * ps_parse.c - PowerShell 2.0's grammar, as far as scripts sent to an exec
 * host use it: statements (if, foreach, for, while, do, try/catch/finally,
 * throw, return, exit, break, continue, function), pipelines of commands and
 * expressions, assignments, and expressions with PowerShell's operators and
 * precedence (about_Operator_Precedence, about_Parsing).
 *
 * PowerShell reads a line in one of two modes: expression mode (values and
 * operators) and argument mode (a command's arguments, where bare words
 * are strings and -Name is a parameter).  The scanner below works in
 * whichever mode the parser is in, as PowerShell's own tokenizer does.
 *
 * A syntax error is reported with PowerShell 2.0's ParserError texts, and
 * nothing of the script runs.  Syntax that PowerShell 2.0 has but this
 * model does not (switch, trap, parameter attributes, dot-sourcing) is
 * refused with a message that says carve-lab does not model it, never
 * passed off as PowerShell's answer.
 */
#include "ps.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
	ps_ctx *c;
	const char *s;
	size_t len, pos;
	bool failed;
	unsigned depth;
} parser;

#define MAX_DEPTH 200

static int peekc(const parser *p, size_t k)
{
	return p->pos + k < p->len ? (unsigned char)p->s[p->pos + k] : 0;
}

static bool at_end(const parser *p)
{
	return p->pos >= p->len;
}

/* Sets a parse error at pos (once: the first error is the one reported). */
static ps_node *fail_at(parser *p, size_t pos, const char *token, const char *id,
			const char *fmt, ...) CARVE_PRINTF(5, 6);

static ps_node *fail_at(parser *p, size_t pos, const char *token, const char *id,
			const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (p->failed)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->failed = true;
	ps_ctx *c = p->c;
	memset(&c->error, 0, sizeof(c->error));
	c->error.message = carve_arena_strdup(&c->arena, msg);
	c->error.exception = "System.Management.Automation.ParseException";
	/* How powershell.exe -Command shows a parse error's record (copies of
	 * PowerShell 2.0 output in PowerShell/CSS-Exchange issue 260 and
	 * CaseyLabs/aws-ec2-ebs-automatic-snapshot-powershell issue 7). */
	(void)token;
	c->error.category = "ParserError: (:) [], ParentContainsErrorRecordException";
	c->error.error_id = id;
	c->error.pos = c->error.end = pos;
	/* the parser ran out of text: a later line may complete it */
	c->error.incomplete = p->pos >= p->len;
	c->error_pending = true;
	return NULL;
}

/* The model's own limit, said as such. */
static ps_node *not_modelled(parser *p, size_t pos, const char *what)
{
	if (p->failed)
		return NULL;
	fail_at(p, pos, what, "CarveLabNotModelled",
		"carve-lab does not model %s (PowerShell 2.0 has it; the lab's model of it "
		"is missing)", what);
	return NULL;
}

static char *text(parser *p, size_t from, size_t to)
{
	return carve_arena_strndup(&p->c->arena, p->s + from, to - from);
}

static ps_node *node(parser *p, ps_nkind k, size_t pos)
{
	ps_node *n = carve_arena_calloc(&p->c->arena, 1, sizeof(*n));

	if (!n) {
		fail_at(p, pos, "", "OutOfMemory", "carve-lab ran out of memory");
		return NULL;
	}
	n->k = k;
	n->pos = pos;
	n->end = pos;
	n->mark = pos;
	return n;
}

static void add(parser *p, ps_node *n, ps_node *kid)
{
	if (n->n % 8 == 0) {
		ps_node **k = carve_arena_alloc(&p->c->arena, (n->n + 8) * sizeof(*k));
		if (!k) {
			fail_at(p, p->pos, "", "OutOfMemory", "carve-lab ran out of memory");
			return;
		}
		if (n->n)
			memcpy(k, n->kid, n->n * sizeof(*k));
		n->kid = k;
	}
	n->kid[n->n++] = kid;
	if (kid && kid->end > n->end)
		n->end = kid->end;
}

/* ------------------------------------------------------------ scanning */

static bool is_newline(int ch)
{
	return ch == '\n' || ch == '\r';
}

/* Spaces, line continuations (backtick at the end of a line), comments;
 * newlines too when asked. */
static void skip_ws(parser *p, bool newlines)
{
	while (!at_end(p)) {
		int ch = peekc(p, 0);
		if (ch == ' ' || ch == '\t' || ch == '\f' || ch == '\v') {
			p->pos++;
		} else if (ch == '`' && is_newline(peekc(p, 1))) {
			p->pos += 2 + (peekc(p, 1) == '\r' && peekc(p, 2) == '\n');
		} else if (ch == '#') {
			while (!at_end(p) && !is_newline(peekc(p, 0)))
				p->pos++;
		} else if (ch == '<' && peekc(p, 1) == '#') {
			const char *end = strstr(p->s + p->pos + 2, "#>");
			p->pos = end ? (size_t)(end - p->s) + 2 : p->len;
		} else if (newlines && is_newline(ch)) {
			p->pos++;
		} else {
			break;
		}
	}
}

/* Skips statement separators: newlines and semicolons. */
static void skip_separators(parser *p)
{
	for (;;) {
		skip_ws(p, true);
		if (peekc(p, 0) != ';')
			break;
		p->pos++;
	}
}

/* Whether ch is one of the characters of set (never the NUL). */
static bool in_set(int ch, const char *set)
{
	return ch && strchr(set, ch) != NULL;
}

static bool is_word_char(int ch)
{
	return isalnum(ch) || ch == '_' || ch >= 0x80;
}

/* Where a bare word ends in argument mode. */
static bool ends_generic(int ch)
{
	return ch == 0 || isspace(ch) || in_set(ch, "(){};,|&<>");
}

/* The word at pos if it is keyword kw (case ignored) ending there. */
static bool keyword_at(const parser *p, const char *kw)
{
	size_t n = strlen(kw);

	return p->len - p->pos >= n && strncasecmp(p->s + p->pos, kw, n) == 0 &&
	       !is_word_char(peekc(p, n)) && peekc(p, n) != '-';
}

static bool expect(parser *p, int ch, const char *id, const char *message)
{
	if (peekc(p, 0) == ch) {
		p->pos++;
		return true;
	}
	fail_at(p, p->pos, "", id, "%s", message);
	return false;
}

/* ------------------------------------------------------------ literals */

static ps_node *parse_block_until(parser *p, int close);
static ps_node *parse_statement(parser *p);
static ps_node *parse_pipeline(parser *p, bool allow_assign);
static ps_node *parse_expr(parser *p, bool commas);
static ps_node *parse_unary(parser *p);
static ps_node *parse_postfix(parser *p, ps_node *e);

static ps_node *const_str(parser *p, size_t pos, const char *s)
{
	ps_node *n = node(p, PE_CONST, pos);

	if (n)
		n->val = (pv){ .k = PV_STR, .u.s = s ? s : "" };
	return n;
}

static bool is_single_quote(const parser *p, size_t k, size_t *len)
{
	int ch = peekc(p, k);

	*len = 1;
	if (ch == '\'')
		return true;
	/* U+2018..U+201B, which PowerShell's tokenizer also takes as quotes */
	if (ch == 0xE2 && peekc(p, k + 1) == 0x80 && peekc(p, k + 2) >= 0x98 &&
	    peekc(p, k + 2) <= 0x9B) {
		*len = 3;
		return true;
	}
	return false;
}

/* '...': a doubled quote stands for one. */
static ps_node *parse_single(parser *p)
{
	size_t start = p->pos, q;
	carve_buf b = CARVE_BUF_INIT;

	is_single_quote(p, 0, &q);
	p->pos += q;
	for (;;) {
		if (at_end(p)) {
			carve_buf_done(&b);
			return fail_at(p, start, "'", "TerminatorExpectedAtEndOfString",
				       "The string starting: is missing the terminator: '.");
		}
		if (is_single_quote(p, 0, &q)) {
			size_t q2;
			if (is_single_quote(p, q, &q2)) {
				carve_buf_put(&b, p->s + p->pos + q, q2);
				p->pos += q + q2;
				continue;
			}
			p->pos += q;
			break;
		}
		carve_buf_putc(&b, p->s[p->pos++]);
	}
	ps_node *n = const_str(p, start, carve_arena_strdup(&p->c->arena, carve_buf_cstr(&b)));
	if (n)
		n->end = p->pos;
	carve_buf_done(&b);
	return n;
}

static char escape_char(int ch)
{
	switch (ch) {
	case '0': return '\0';
	case 'a': return '\a';
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	case 'v': return '\v';
	default: return (char)ch;
	}
}

/* A variable name after '$' (pos at the first character after it). */
static ps_node *parse_variable_name(parser *p, size_t start)
{
	size_t from = p->pos;
	carve_buf b = CARVE_BUF_INIT;

	if (peekc(p, 0) == '{') {
		const char *end = memchr(p->s + p->pos, '}', p->len - p->pos);
		if (!end)
			return fail_at(p, start, "${", "IncompleteDollarVariableReference",
				       "Missing '}' in variable reference.");
		carve_buf_put(&b, p->s + p->pos + 1, (size_t)(end - p->s) - p->pos - 1);
		p->pos = (size_t)(end - p->s) + 1;
	} else if (peekc(p, 0) == '_' && !is_word_char(peekc(p, 1))) {
		carve_buf_putc(&b, '_');
		p->pos++;
	} else if (peekc(p, 0) == '?' || peekc(p, 0) == '^' || peekc(p, 0) == '$') {
		carve_buf_putc(&b, (char)peekc(p, 0));
		p->pos++;
	} else {
		while (is_word_char(peekc(p, 0)) ||
		       (peekc(p, 0) == ':' && is_word_char(peekc(p, 1)) && from != p->pos &&
			!memchr(p->s + from, ':', p->pos - from)))
			carve_buf_putc(&b, (char)peekc(p, 0)), p->pos++;
	}
	if (b.len == 0) {
		carve_buf_done(&b);
		return NULL; /* a lone '$' is a literal dollar */
	}
	ps_node *n = node(p, PE_VAR, start);
	if (n) {
		for (size_t i = 0; i < b.len; i++)
			b.ptr[i] = (char)tolower((unsigned char)b.ptr[i]);
		n->name = carve_arena_strdup(&p->c->arena, carve_buf_cstr(&b));
		n->end = p->pos;
	}
	carve_buf_done(&b);
	return n;
}

/* Flushes the literal text gathered so far into parts. */
static void flush_literal(parser *p, ps_node *parts, carve_buf *lit, size_t pos)
{
	if (!lit->len)
		return;
	add(p, parts, const_str(p, pos, carve_arena_strndup(&p->c->arena, lit->ptr, lit->len)));
	lit->len = 0;
}

/*
 * The body of a double-quoted string or here-string: `escapes, $var,
 * ${var}, $(subexpression).  Ends at the closing quote (or, for a
 * here-string, a line starting with "@).  Member access is not expanded:
 * "$x.Name" is $x followed by ".Name", as in PowerShell.
 */
static ps_node *parse_expandable(parser *p, bool here)
{
	size_t start = p->pos;
	ps_node *parts = node(p, PE_EXPAND, start);
	carve_buf lit = CARVE_BUF_INIT;

	p->pos += here ? 2 : 1;
	if (here) { /* @" must end its line */
		skip_ws(p, false);
		if (peekc(p, 0) == '\r')
			p->pos++;
		if (peekc(p, 0) != '\n') {
			carve_buf_done(&lit);
			return fail_at(p, start, "@\"", "UnexpectedCharactersAfterHereStringHeader",
				       "Unrecognized token in source text.");
		}
		p->pos++;
	}
	while (parts && !p->failed) {
		int ch = peekc(p, 0);
		if (at_end(p)) {
			carve_buf_done(&lit);
			return fail_at(p, start, "\"", "TerminatorExpectedAtEndOfString",
				       here ? "Encountered end of file while reading a here-string."
				       : "The string starting: is missing the terminator: \".");
		}
		if (here && is_newline(ch)) {
			size_t k = ch == '\r' && peekc(p, 1) == '\n' ? 2 : 1;
			if (peekc(p, k) == '"' && peekc(p, k + 1) == '@') {
				p->pos += k + 2;
				break;
			}
			carve_buf_putc(&lit, '\n');
			p->pos += k;
			continue;
		}
		if (!here && ch == '"') {
			if (peekc(p, 1) == '"') {
				carve_buf_putc(&lit, '"');
				p->pos += 2;
				continue;
			}
			p->pos++;
			break;
		}
		if (ch == '`' && p->pos + 1 < p->len) {
			carve_buf_putc(&lit, escape_char(peekc(p, 1)));
			p->pos += 2;
			continue;
		}
		if (ch == '$' && peekc(p, 1) == '(') {
			flush_literal(p, parts, &lit, p->pos);
			size_t at = p->pos;
			p->pos += 2;
			ps_node *sub = node(p, PE_SUBEXPR, at);
			ps_node *body = parse_block_until(p, ')');
			if (!sub || !body)
				break;
			add(p, sub, body);
			sub->end = p->pos;
			add(p, parts, sub);
			continue;
		}
		if (ch == '$') {
			size_t at = p->pos;
			p->pos++;
			ps_node *v = parse_variable_name(p, at);
			if (v) {
				flush_literal(p, parts, &lit, at);
				add(p, parts, v);
				continue;
			}
			if (p->failed)
				break;
			carve_buf_putc(&lit, '$');
			continue;
		}
		carve_buf_putc(&lit, (char)ch);
		p->pos++;
	}
	if (parts)
		flush_literal(p, parts, &lit, p->pos);
	carve_buf_done(&lit);
	if (p->failed || !parts)
		return NULL;
	parts->end = p->pos;
	return parts;
}

/* @'<newline> ... <newline>'@ */
static ps_node *parse_here_single(parser *p)
{
	size_t start = p->pos;
	carve_buf b = CARVE_BUF_INIT;

	p->pos += 2;
	skip_ws(p, false);
	if (peekc(p, 0) == '\r')
		p->pos++;
	if (peekc(p, 0) != '\n')
		return fail_at(p, start, "@'", "UnexpectedCharactersAfterHereStringHeader",
			       "Unrecognized token in source text.");
	p->pos++;
	for (bool first = true;; first = false) {
		if (at_end(p)) {
			carve_buf_done(&b);
			return fail_at(p, start, "@'", "TerminatorExpectedAtEndOfString",
				       "Encountered end of file while reading a here-string.");
		}
		if (first && peekc(p, 0) == '\'' && peekc(p, 1) == '@') {
			p->pos += 2;
			break;
		}
		int ch = peekc(p, 0);
		if (is_newline(ch)) {
			size_t k = ch == '\r' && peekc(p, 1) == '\n' ? 2 : 1;
			if (peekc(p, k) == '\'' && peekc(p, k + 1) == '@') {
				p->pos += k + 2;
				break;
			}
			carve_buf_putc(&b, '\n');
			p->pos += k;
			continue;
		}
		carve_buf_putc(&b, (char)ch);
		p->pos++;
	}
	ps_node *n = const_str(p, start, carve_arena_strdup(&p->c->arena, carve_buf_cstr(&b)));
	if (n)
		n->end = p->pos;
	carve_buf_done(&b);
	return n;
}

/*
 * A number: 12, 0x1F, 1.5, 2e3, with the multipliers kb mb gb tb pb and
 * the long suffix l.  Returns false (pos unchanged) when the text there is
 * not a whole number token (in argument mode it is then a word).
 */
static bool scan_number(parser *p, pv *out)
{
	size_t start = p->pos, i = p->pos;
	const char *s = p->s;
	bool is_float = false;
	double d = 0;
	int64_t v = 0;

	if (i + 1 < p->len && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X') &&
	    i + 2 < p->len && isxdigit((unsigned char)s[i + 2])) {
		i += 2;
		uint64_t u = 0;
		while (i < p->len && isxdigit((unsigned char)s[i])) {
			int ch = tolower((unsigned char)s[i++]);
			u = u * 16 + (uint64_t)(isdigit(ch) ? ch - '0' : ch - 'a' + 10);
		}
		/* 0xFFFFFFFF is Int32 -1 in PowerShell */
		v = u <= 0xFFFFFFFFu && i - start <= 10 ? (int64_t)(int32_t)(uint32_t)u : (int64_t)u;
	} else {
		size_t digits = 0;
		while (i < p->len && isdigit((unsigned char)s[i]))
			i++, digits++;
		if (i < p->len && s[i] == '.' && i + 1 < p->len && isdigit((unsigned char)s[i + 1])) {
			is_float = true;
			i++;
			while (i < p->len && isdigit((unsigned char)s[i]))
				i++, digits++;
		}
		if (!digits)
			return false;
		if (i < p->len && (s[i] == 'e' || s[i] == 'E')) {
			size_t j = i + 1;
			if (j < p->len && (s[j] == '+' || s[j] == '-'))
				j++;
			if (j < p->len && isdigit((unsigned char)s[j])) {
				is_float = true;
				i = j;
				while (i < p->len && isdigit((unsigned char)s[i]))
					i++;
			}
		}
		char *num = text(p, start, i);
		if (is_float)
			d = strtod(num, NULL);
		else {
			errno = 0;
			unsigned long long u = strtoull(num, NULL, 10);
			if (errno || u > INT64_MAX) {
				is_float = true;
				d = strtod(num, NULL);
			} else {
				v = (int64_t)u;
			}
		}
	}
	static const struct { const char *sfx; int shift; } mult[] = {
		{ "kb", 10 }, { "mb", 20 }, { "gb", 30 }, { "tb", 40 }, { "pb", 50 },
	};
	if (i < p->len && (s[i] == 'l' || s[i] == 'L') && !is_word_char(i + 1 < p->len ? s[i + 1] : 0))
		i++;
	for (size_t m = 0; m < CARVE_ARRAY_SIZE(mult); m++)
		if (p->len - i >= 2 && strncasecmp(s + i, mult[m].sfx, 2) == 0) {
			i += 2;
			if (is_float)
				d *= (double)((uint64_t)1 << mult[m].shift);
			else
				v *= (int64_t)1 << mult[m].shift;
			break;
		}
	if (i < p->len && is_word_char((unsigned char)s[i]))
		return false;
	p->pos = i;
	*out = is_float ? pv_double(d) : pv_int(v);
	return true;
}

/* [TypeName], [byte[]]: pos at '['. */
static char *scan_type_name(parser *p, size_t *end)
{
	size_t i = p->pos + 1, depth = 1;

	while (i < p->len && depth) {
		if (p->s[i] == '[')
			depth++;
		else if (p->s[i] == ']')
			depth--;
		else if (!(is_word_char((unsigned char)p->s[i]) || p->s[i] == '.' ||
			   p->s[i] == '`' || p->s[i] == ',' || p->s[i] == ' '))
			return NULL;
		i++;
	}
	if (depth)
		return NULL;
	*end = i;
	return text(p, p->pos + 1, i - 1);
}

/* ------------------------------------------------------------ expressions */

typedef struct {
	const char *word;
	ps_op op;
	int level;
} op_word;

enum { LV_LOGICAL, LV_BITWISE, LV_COMPARE, LV_ADD, LV_MUL, LV_FORMAT, LV_RANGE };

static const op_word op_words[] = {
	{ "and", PS_OP_AND, LV_LOGICAL }, { "or", PS_OP_OR, LV_LOGICAL },
	{ "xor", PS_OP_XOR, LV_LOGICAL },
	{ "band", PS_OP_BAND, LV_BITWISE }, { "bor", PS_OP_BOR, LV_BITWISE },
	{ "bxor", PS_OP_BXOR, LV_BITWISE },
	{ "eq", PS_OP_EQ, LV_COMPARE }, { "ne", PS_OP_NE, LV_COMPARE },
	{ "gt", PS_OP_GT, LV_COMPARE }, { "ge", PS_OP_GE, LV_COMPARE },
	{ "lt", PS_OP_LT, LV_COMPARE }, { "le", PS_OP_LE, LV_COMPARE },
	{ "like", PS_OP_LIKE, LV_COMPARE }, { "notlike", PS_OP_NOTLIKE, LV_COMPARE },
	{ "match", PS_OP_MATCH, LV_COMPARE }, { "notmatch", PS_OP_NOTMATCH, LV_COMPARE },
	{ "contains", PS_OP_CONTAINS, LV_COMPARE },
	{ "notcontains", PS_OP_NOTCONTAINS, LV_COMPARE },
	{ "replace", PS_OP_REPLACE, LV_COMPARE }, { "split", PS_OP_SPLIT, LV_COMPARE },
	{ "join", PS_OP_JOIN, LV_COMPARE }, { "is", PS_OP_IS, LV_COMPARE },
	{ "isnot", PS_OP_ISNOT, LV_COMPARE }, { "as", PS_OP_AS, LV_COMPARE },
	{ "f", PS_OP_FORMAT, LV_FORMAT },
};

/* The comparison operators take a c or i prefix (-ceq, -ilike). */
static bool takes_case_prefix(ps_op op)
{
	return op >= PS_OP_EQ && op <= PS_OP_SPLIT;
}

/* The binary operator at pos, if any: its op (with PS_OP_CASE), level and
 * length.  A '-' followed by a word that is no operator is the minus
 * operator, as PowerShell 2.0 reads it (then "-in" fails on "in"). */
static bool peek_binary(parser *p, int *op, int *level, size_t *len)
{
	int ch = peekc(p, 0);

	switch (ch) {
	case '+': if (peekc(p, 1) == '=' || peekc(p, 1) == '+') return false;
		*op = PS_OP_ADD, *level = LV_ADD, *len = 1; return true;
	case '*': if (peekc(p, 1) == '=') return false;
		*op = PS_OP_MUL, *level = LV_MUL, *len = 1; return true;
	case '/': if (peekc(p, 1) == '=') return false;
		*op = PS_OP_DIV, *level = LV_MUL, *len = 1; return true;
	case '%': if (peekc(p, 1) == '=') return false;
		*op = PS_OP_MOD, *level = LV_MUL, *len = 1; return true;
	case '.': if (peekc(p, 1) != '.') return false;
		*op = PS_OP_RANGE, *level = LV_RANGE, *len = 2; return true;
	case '-': break;
	default: return false;
	}
	if (peekc(p, 1) == '=' || peekc(p, 1) == '-')
		return false;
	size_t n = 0;
	while (isalpha(peekc(p, 1 + n)))
		n++;
	if (n) {
		const char *w = p->s + p->pos + 1;
		for (int pass = 0; pass < 2; pass++) {
			int cs = 0;
			const char *ww = w;
			size_t wn = n;
			if (pass == 1) {
				if (n < 2 || (tolower((unsigned char)w[0]) != 'c' &&
					      tolower((unsigned char)w[0]) != 'i'))
					break;
				cs = tolower((unsigned char)w[0]) == 'c' ? PS_OP_CASE : 0;
				ww++, wn--;
			}
			for (size_t i = 0; i < CARVE_ARRAY_SIZE(op_words); i++)
				if (strlen(op_words[i].word) == wn &&
				    strncasecmp(op_words[i].word, ww, wn) == 0 &&
				    (pass == 0 || takes_case_prefix(op_words[i].op))) {
					*op = (int)op_words[i].op | cs;
					*level = op_words[i].level;
					*len = n + 1;
					return true;
				}
		}
	}
	*op = PS_OP_SUB, *level = LV_ADD, *len = 1;
	return true;
}

static bool starts_operand(parser *p)
{
	int ch = peekc(p, 0);

	return ch && !is_newline(ch) && !in_set(ch, ";)}|,]=") && !(ch == '.' && peekc(p, 1) == '.');
}

/* The right operand of op: newlines may follow an operator. */
static ps_node *operand_after(parser *p, size_t op_pos, const char *op_text, int level,
			      bool commas);

/* first, then ", item" while a comma follows: an array of them, or first
 * alone when no comma does. */
static ps_node *comma_list(parser *p, ps_node *first, ps_node *(*item)(parser *p))
{
	skip_ws(p, false);
	if (peekc(p, 0) != ',')
		return first;
	ps_node *arr = node(p, PE_ARRAY, first->pos);
	if (!arr)
		return NULL;
	add(p, arr, first);
	while (peekc(p, 0) == ',') {
		p->pos++;
		skip_ws(p, true);
		ps_node *next = item(p);
		if (!next)
			return p->failed ? NULL
			       : fail_at(p, p->pos, ",", "MissingExpressionAfterToken",
					 "Missing expression after ','.");
		add(p, arr, next);
		skip_ws(p, false);
	}
	return arr;
}

static ps_node *parse_level(parser *p, int level, bool commas)
{
	if (level > LV_RANGE) {
		/* the comma level: a, b, c */
		ps_node *e = parse_unary(p);
		return e && commas ? comma_list(p, e, parse_unary) : e;
	}
	ps_node *left = parse_level(p, level + 1, commas);

	while (left && !p->failed) {
		int op, lv;
		size_t len, save = p->pos;
		skip_ws(p, false);
		if (!peek_binary(p, &op, &lv, &len) || lv != level) {
			p->pos = save;
			break;
		}
		size_t op_pos = p->pos;
		char *op_text = text(p, op_pos, op_pos + len);
		p->pos += len;
		ps_node *right = operand_after(p, op_pos, op_text, level, commas);
		if (!right)
			return NULL;
		ps_node *b = node(p, PE_BINARY, left->pos);
		if (!b)
			return NULL;
		b->op = op;
		b->mark = op_pos + len;
		add(p, b, left);
		add(p, b, right);
		left = b;
	}
	return left;
}

static ps_node *operand_after(parser *p, size_t op_pos, const char *op_text, int level,
			      bool commas)
{
	skip_ws(p, true);
	if (!starts_operand(p) || (isalpha(peekc(p, 0)) && !keyword_at(p, "not"))) {
		/* "-in $x" in PowerShell 2.0: '-' then the word "in" */
		if (p->failed)
			return NULL;
		return fail_at(p, op_pos + strlen(op_text), op_text, "ExpectedValueExpression",
			       "You must provide a value expression on the right-hand side of "
			       "the '%s' operator.", op_text);
	}
	return parse_level(p, level + 1, commas);
}

static ps_node *parse_expr(parser *p, bool commas)
{
	if (++p->depth > MAX_DEPTH)
		return fail_at(p, p->pos, "", "ScriptTooDeep", "The script is nested too deeply.");
	ps_node *e = parse_level(p, LV_LOGICAL, commas);
	p->depth--;
	return e;
}

/* Arguments of a method call: ( a, b ) with newlines allowed. */
static bool parse_call_args(parser *p, ps_node *call)
{
	p->pos++; /* ( */
	skip_ws(p, true);
	if (peekc(p, 0) == ')') {
		p->pos++;
		return true;
	}
	for (;;) {
		ps_node *a = parse_expr(p, false);
		if (!a) {
			if (!p->failed)
				fail_at(p, p->pos, ")", "MissingEndParenthesisInMethodCall",
					"Missing ')' in method call.");
			return false;
		}
		add(p, call, a);
		skip_ws(p, true);
		if (peekc(p, 0) == ',') {
			p->pos++;
			skip_ws(p, true);
			continue;
		}
		if (peekc(p, 0) == ')') {
			p->pos++;
			call->end = p->pos;
			return true;
		}
		fail_at(p, p->pos, "", "MissingEndParenthesisInMethodCall",
			"Missing ')' in method call.");
		return false;
	}
}

/* A member name after '.' or '::': a word, a string, or a variable. */
static bool parse_member_name(parser *p, ps_node *m)
{
	size_t start = p->pos;

	if (peekc(p, 0) == '\'' ) {
		ps_node *s = parse_single(p);
		if (!s)
			return false;
		m->name = s->val.u.s;
		return true;
	}
	if (peekc(p, 0) == '$' || peekc(p, 0) == '"' || peekc(p, 0) == '(') {
		ps_node *e = peekc(p, 0) == '"' ? parse_expandable(p, false)
			     : parse_postfix(p, NULL);
		if (!e)
			return false;
		add(p, m, e);
		return true;
	}
	while (is_word_char(peekc(p, 0)))
		p->pos++;
	if (p->pos == start) {
		fail_at(p, start, ".", "MissingPropertyName", "Missing property name after "
			"reference operator.");
		return false;
	}
	m->name = text(p, start, p->pos);
	return true;
}

static ps_node *parse_postfix(parser *p, ps_node *e);

static ps_node *parse_scriptblock(parser *p)
{
	size_t start = p->pos;
	ps_node *sb = node(p, PE_SCRIPTBLOCK, start);

	p->pos++; /* { */
	skip_separators(p);
	if (keyword_at(p, "param")) {
		p->pos += 5;
		skip_ws(p, true);
		if (!expect(p, '(', "MissingParenthesisInParamBlock", "Missing '(' in param block."))
			return NULL;
		carve_buf names = CARVE_BUF_INIT;
		for (;;) {
			skip_ws(p, true);
			if (peekc(p, 0) == ')') {
				p->pos++;
				break;
			}
			if (peekc(p, 0) == '[') {
				size_t end;
				char *t = scan_type_name(p, &end);
				if (!t || strchr(t, '(')) {
					carve_buf_done(&names);
					return not_modelled(p, p->pos, "parameter attributes");
				}
				p->pos = end;
				skip_ws(p, true);
			}
			if (peekc(p, 0) != '$') {
				carve_buf_done(&names);
				return fail_at(p, p->pos, "", "InvalidFunctionParameter",
					       "Missing ')' in function parameter list.");
			}
			size_t at = p->pos++;
			ps_node *v = parse_variable_name(p, at);
			if (!v) {
				carve_buf_done(&names);
				return NULL;
			}
			carve_buf_printf(&names, "%s%s", names.len ? "," : "", v->name);
			skip_ws(p, true);
			if (peekc(p, 0) == '=') {
				carve_buf_done(&names);
				return not_modelled(p, p->pos, "parameter default values");
			}
			if (peekc(p, 0) == ',')
				p->pos++;
		}
		if (sb)
			sb->name = carve_arena_strdup(&p->c->arena, carve_buf_cstr(&names));
		carve_buf_done(&names);
	}
	ps_node *body = parse_block_until(p, '}');
	if (!sb || !body)
		return NULL;
	add(p, sb, body);
	sb->end = p->pos;
	return sb;
}

/* @{ key = value; key = value } */
static ps_node *parse_hash(parser *p)
{
	ps_node *h = node(p, PE_HASH, p->pos);

	p->pos += 2;
	for (;;) {
		skip_separators(p);
		if (peekc(p, 0) == '}') {
			p->pos++;
			break;
		}
		if (at_end(p))
			return fail_at(p, h ? h->pos : p->pos, "@{", "MissingEndCurlyBrace",
				       "Missing closing '}' in statement block.");
		ps_node *key;
		size_t at = p->pos;
		if (peekc(p, 0) == '\'' || peekc(p, 0) == '"' || peekc(p, 0) == '$' ||
		    peekc(p, 0) == '(') {
			key = parse_postfix(p, NULL);
		} else {
			while (is_word_char(peekc(p, 0)) || peekc(p, 0) == '-')
				p->pos++;
			if (p->pos == at)
				return fail_at(p, at, "", "MissingEqualsInHashLiteral",
					       "Missing key before '=' in hash literal.");
			key = const_str(p, at, text(p, at, p->pos));
		}
		skip_ws(p, false);
		if (!key || !expect(p, '=', "MissingEqualsInHashLiteral",
				    "Missing '=' operator after key in hash literal."))
			return NULL;
		skip_ws(p, true);
		ps_node *val = parse_pipeline(p, false);
		if (!val)
			return p->failed ? NULL
			       : fail_at(p, p->pos, "", "MissingHashValue",
					 "Missing statement after '=' in hash literal.");
		if (!h)
			return NULL;
		add(p, h, key);
		add(p, h, val);
	}
	if (h)
		h->end = p->pos;
	return h;
}

static ps_node *parse_primary(parser *p)
{
	size_t start = p->pos;
	int ch = peekc(p, 0);
	size_t q;
	pv num;

	if (++p->depth > MAX_DEPTH)
		return fail_at(p, start, "", "ScriptTooDeep", "The script is nested too deeply.");
	ps_node *r = NULL;
	if (ch == '$' && peekc(p, 1) == '(') {
		p->pos += 2;
		ps_node *sub = node(p, PE_SUBEXPR, start), *body = parse_block_until(p, ')');
		if (sub && body) {
			add(p, sub, body);
			sub->end = p->pos;
			r = sub;
		}
	} else if (ch == '$') {
		p->pos++;
		r = parse_variable_name(p, start);
		if (!r && !p->failed)
			r = fail_at(p, start, "$", "UnexpectedToken",
				    "Unexpected token '$' in expression or statement.");
	} else if (ch == '@' && peekc(p, 1) == '(') {
		p->pos += 2;
		ps_node *a = node(p, PE_ARRAYEXPR, start), *body = parse_block_until(p, ')');
		if (a && body) {
			add(p, a, body);
			a->end = p->pos;
			r = a;
		}
	} else if (ch == '@' && peekc(p, 1) == '{') {
		r = parse_hash(p);
	} else if (ch == '@' && peekc(p, 1) == '"') {
		r = parse_expandable(p, true);
	} else if (ch == '@' && peekc(p, 1) == '\'') {
		r = parse_here_single(p);
	} else if (is_single_quote(p, 0, &q)) {
		r = parse_single(p);
	} else if (ch == '"') {
		r = parse_expandable(p, false);
	} else if (ch == '(') {
		p->pos++;
		skip_ws(p, true);
		ps_node *par = node(p, PE_PAREN, start);
		ps_node *st = peekc(p, 0) == ')' ? NULL : parse_statement(p);
		skip_ws(p, true);
		if (!p->failed && expect(p, ')', "MissingEndParenthesisInExpression",
					 "Missing closing ')' in expression.") && par) {
			if (st)
				add(p, par, st);
			par->end = p->pos;
			r = par;
		}
	} else if (ch == '{') {
		r = parse_scriptblock(p);
	} else if ((isdigit(ch) || (ch == '.' && isdigit(peekc(p, 1)))) && scan_number(p, &num)) {
		r = node(p, PE_CONST, start);
		if (r) {
			r->val = num;
			r->end = p->pos;
		}
	} else if (!p->failed) {
		size_t end = start;
		while (end < p->len && !ends_generic((unsigned char)p->s[end]))
			end++;
		if (end == start)
			end = start + 1 < p->len ? start + 1 : p->len;
		r = fail_at(p, start, text(p, start, end), "UnexpectedToken",
			    "Unexpected token '%s' in expression or statement.", text(p, start, end));
	}
	p->depth--;
	return r;
}

static ps_node *parse_postfix(parser *p, ps_node *e)
{
	if (!e && !(e = parse_primary(p)))
		return NULL;
	for (;;) {
		int ch = peekc(p, 0);
		size_t at = p->pos;
		if (ch == '.' && peekc(p, 1) != '.' && (is_word_char(peekc(p, 1)) ||
		    in_set(peekc(p, 1), "'\"$("))) {
			p->pos++;
			ps_node *m = node(p, PE_MEMBER, e->pos);
			if (!m)
				return NULL;
			add(p, m, e);
			if (!parse_member_name(p, m))
				return NULL;
			m->mark = p->pos;
			if (peekc(p, 0) == '(') {
				m->k = PE_INVOKE;
				if (m->n > 1)
					return not_modelled(p, at, "a method named by an expression");
				if (!parse_call_args(p, m))
					return NULL;
			}
			m->end = p->pos;
			e = m;
		} else if (ch == ':' && peekc(p, 1) == ':') {
			if (e->k != PE_TYPE)
				return not_modelled(p, at, "'::' after anything but a type literal");
			p->pos += 2;
			ps_node *m = node(p, PE_STATIC, e->pos);
			if (!m)
				return NULL;
			add(p, m, e);
			if (!parse_member_name(p, m))
				return NULL;
			m->mark = p->pos;
			if (peekc(p, 0) == '(') {
				m->k = PE_STATIC_INVOKE;
				if (!parse_call_args(p, m))
					return NULL;
			}
			m->end = p->pos;
			e = m;
		} else if (ch == '[' && e->k != PE_TYPE) {
			p->pos++;
			skip_ws(p, true);
			ps_node *ix = node(p, PE_INDEX, e->pos), *i = parse_expr(p, true);
			skip_ws(p, true);
			if (!i || !ix)
				return NULL;
			if (!expect(p, ']', "MissingEndSquareBracket", "Array index expression is "
				    "missing or not valid."))
				return NULL;
			add(p, ix, e);
			add(p, ix, i);
			ix->end = p->pos;
			e = ix;
		} else if ((ch == '+' || ch == '-') && peekc(p, 1) == ch &&
			   (e->k == PE_VAR || e->k == PE_MEMBER || e->k == PE_INDEX)) {
			p->pos += 2;
			ps_node *inc = node(p, PE_INCDEC, e->pos);
			if (!inc)
				return NULL;
			inc->op = ch == '+' ? PS_OP_INC : PS_OP_DEC;
			inc->val = pv_bool(true);
			add(p, inc, e);
			inc->end = p->pos;
			return inc;
		} else {
			return e;
		}
	}
}

static ps_node *unary_node(parser *p, size_t start, int op, ps_node *operand)
{
	ps_node *u = node(p, PE_UNARY, start);

	if (!u || !operand)
		return NULL;
	u->op = op;
	add(p, u, operand);
	return u;
}

static ps_node *parse_unary(parser *p)
{
	size_t start = p->pos;
	int ch = peekc(p, 0);

	if (++p->depth > MAX_DEPTH)
		return fail_at(p, start, "", "ScriptTooDeep", "The script is nested too deeply.");
	ps_node *r = NULL;
	if (ch == '!' || (ch == '-' && keyword_at(&(parser){ .s = p->s, .len = p->len,
							     .pos = p->pos + 1 }, "not"))) {
		p->pos += ch == '!' ? 1 : 4;
		skip_ws(p, true);
		ps_node *operand = parse_unary(p);
		if (!operand && !p->failed)
			fail_at(p, start, "-not", "MissingExpressionAfterOperator",
				"Missing expression after unary operator '%s'.",
				ch == '!' ? "!" : "-not");
		r = unary_node(p, start, PS_OP_NOT, operand);
	} else if (ch == '-' && isalpha(peekc(p, 1))) {
		static const struct { const char *w; ps_op op; } unary_words[] = {
			{ "bnot", PS_OP_BNOT }, { "split", PS_OP_SPLIT }, { "join", PS_OP_JOIN },
		};
		size_t i;
		parser probe = { .s = p->s, .len = p->len, .pos = p->pos + 1 };
		for (i = 0; i < CARVE_ARRAY_SIZE(unary_words); i++)
			if (keyword_at(&probe, unary_words[i].w))
				break;
		if (i == CARVE_ARRAY_SIZE(unary_words)) {
			size_t end = p->pos + 1;
			while (end < p->len && isalpha((unsigned char)p->s[end]))
				end++;
			r = fail_at(p, start, text(p, start, end), "UnexpectedToken",
				    "Unexpected token '%s' in expression or statement.",
				    text(p, start, end));
		} else {
			p->pos += 1 + strlen(unary_words[i].w);
			skip_ws(p, true);
			r = unary_node(p, start, (int)unary_words[i].op, parse_unary(p));
		}
	} else if ((ch == '-' || ch == '+') && peekc(p, 1) == ch) {
		p->pos += 2;
		ps_node *target = parse_unary(p);
		ps_node *inc = node(p, PE_INCDEC, start);
		if (inc && target) {
			inc->op = ch == '+' ? PS_OP_INC : PS_OP_DEC;
			add(p, inc, target);
			r = inc;
		}
	} else if (ch == '-' || ch == '+') {
		p->pos++;
		skip_ws(p, false);
		r = unary_node(p, start, ch == '-' ? PS_OP_NEG : PS_OP_PLUS, parse_unary(p));
	} else if (ch == ',') {
		p->pos++;
		skip_ws(p, true);
		r = unary_node(p, start, PS_OP_COMMA, parse_unary(p));
	} else if (ch == '[') {
		size_t end;
		char *t = scan_type_name(p, &end);
		if (!t) {
			r = fail_at(p, start, "[", "UnexpectedToken",
				    "Unexpected token '[' in expression or statement.");
		} else {
			p->pos = end;
			ps_node *type = node(p, PE_TYPE, start);
			if (type) {
				type->name = t;
				type->end = end;
			}
			int next = peekc(p, 0);
			size_t save = p->pos;
			skip_ws(p, false);
			if (type && starts_operand(p) && next != ':' && next != '.' &&
			    !(next == '-' && isalpha(peekc(p, 1)) && !keyword_at(&(parser){
				    .s = p->s, .len = p->len, .pos = p->pos + 1 }, "not"))) {
				ps_node *cast = node(p, PE_CAST, start);
				ps_node *operand = parse_unary(p);
				if (cast && operand) {
					cast->name = t;
					add(p, cast, operand);
					r = cast;
				}
			} else {
				p->pos = save;
				r = parse_postfix(p, type);
			}
		}
	} else {
		r = parse_postfix(p, NULL);
	}
	p->depth--;
	return r;
}

/* ------------------------------------------------------------ commands */

static bool ends_argument(int ch)
{
	return ch == 0 || isspace(ch) || in_set(ch, ";|)}");
}

/*
 * A bare word in argument mode: text up to a space or a delimiter, with
 * $variables and $(...) expanded and quoted pieces joined on ("/TO:'a b'"
 * is one argument), `x taking x literally.
 */
static ps_node *parse_bareword(parser *p, bool command_name)
{
	size_t start = p->pos;
	ps_node *parts = node(p, PE_EXPAND, start);
	carve_buf lit = CARVE_BUF_INIT;
	size_t q;

	while (parts && !p->failed) {
		int ch = peekc(p, 0);
		if (ends_generic(ch) || (command_name && ch == '.' && p->pos == start))
			break;
		if (ch == '`' && p->pos + 1 < p->len) {
			carve_buf_putc(&lit, p->s[p->pos + 1]);
			p->pos += 2;
		} else if (ch == '$' && !command_name) {
			size_t at = p->pos;
			ps_node *e = parse_primary(p);
			if (!e)
				break;
			flush_literal(p, parts, &lit, at);
			add(p, parts, parse_postfix(p, e));
		} else if (is_single_quote(p, 0, &q) && !command_name) {
			flush_literal(p, parts, &lit, p->pos);
			add(p, parts, parse_single(p));
		} else if (ch == '"' && !command_name) {
			flush_literal(p, parts, &lit, p->pos);
			add(p, parts, parse_expandable(p, false));
		} else {
			carve_buf_putc(&lit, (char)ch);
			p->pos++;
		}
	}
	if (parts)
		flush_literal(p, parts, &lit, p->pos);
	carve_buf_done(&lit);
	if (p->failed || !parts)
		return NULL;
	parts->end = p->pos;
	/* a word of plain text is a constant */
	if (parts->n == 1 && parts->kid[0]->k == PE_CONST)
		return parts->kid[0];
	if (parts->n == 0)
		return const_str(p, start, "");
	return parts;
}

/* One argument value: an expression that starts like one, a number, or a
 * bare word; then a comma makes an array of such values. */
static ps_node *parse_arg_value(parser *p)
{
	int ch = peekc(p, 0);
	size_t start = p->pos, q;
	ps_node *v;
	pv num;

	if ((ch == '$' && (peekc(p, 1) == '(' || is_word_char(peekc(p, 1)) ||
			   in_set(peekc(p, 1), "{_?^$"))) ||
	    ch == '(' || ch == '{' || (ch == '@' && in_set(peekc(p, 1), "({'\"")) ||
	    (ch == '"' ) || is_single_quote(p, 0, &q)) {
		v = parse_postfix(p, NULL);
		if (v && !ends_argument(peekc(p, 0)) && peekc(p, 0) != ',') {
			/* "a"b, $x.txt: the rest of the word is joined on */
			ps_node *joined = node(p, PE_EXPAND, start), *rest = parse_bareword(p, false);
			if (!joined || !rest)
				return NULL;
			add(p, joined, v);
			add(p, joined, rest);
			v = joined;
		}
		return v;
	}
	if ((isdigit(ch) || ((ch == '-' || ch == '.') && isdigit(peekc(p, 1))))) {
		size_t save = p->pos;
		bool neg = ch == '-';
		p->pos += neg;
		if (scan_number(p, &num) && ends_argument(peekc(p, 0))) {
			v = node(p, PE_CONST, start);
			if (v) {
				if (neg)
					num = num.k == PV_INT ? pv_int(-num.u.i) : pv_double(-num.u.d);
				v->val = num;
				v->end = p->pos;
			}
			return v;
		}
		p->pos = save;
	}
	return parse_bareword(p, false);
}

static ps_node *parse_arg_list(parser *p)
{
	ps_node *v = parse_arg_value(p);

	return v ? comma_list(p, v, parse_arg_value) : NULL;
}

/* 2>&1, 2>$null, >$null: returns the PS_REDIR_* bit, or 0. */
static int parse_redirection(parser *p)
{
	static const struct { const char *text; int bit; } redirs[] = {
		{ "2>&1", PS_REDIR_ERR_TO_OUT }, { "2>$null", PS_REDIR_ERR_NULL },
		{ ">$null", PS_REDIR_OUT_NULL }, { "1>$null", PS_REDIR_OUT_NULL },
	};

	for (size_t i = 0; i < CARVE_ARRAY_SIZE(redirs); i++) {
		size_t n = strlen(redirs[i].text);
		if (p->len - p->pos >= n && strncasecmp(p->s + p->pos, redirs[i].text, n) == 0 &&
		    !is_word_char(peekc(p, n))) {
			p->pos += n;
			return redirs[i].bit;
		}
	}
	if (peekc(p, 0) == '>' || (peekc(p, 0) == '2' && peekc(p, 1) == '>')) {
		not_modelled(p, p->pos, "redirection to a file");
		return -1;
	}
	return 0;
}

static ps_node *parse_command(parser *p, int *redirs)
{
	size_t start = p->pos;
	ps_node *cmd = node(p, PN_COMMAND, start);

	if (!cmd)
		return NULL;
	if (peekc(p, 0) == '&') {
		p->pos++;
		skip_ws(p, false);
		ps_node *what = parse_arg_value(p);
		if (!what)
			return p->failed ? NULL
			       : fail_at(p, start, "&", "MissingExpression",
					 "Missing expression after '&' in pipeline element.");
		add(p, cmd, what);
	} else if (peekc(p, 0) == '.' && isspace(peekc(p, 1))) {
		return not_modelled(p, start, "dot-sourcing");
	} else {
		ps_node *name = parse_bareword(p, true);
		if (!name)
			return NULL;
		cmd->name = name->val.u.s;
	}
	cmd->mark = p->pos;
	for (;;) {
		skip_ws(p, false);
		int ch = peekc(p, 0);
		size_t at = p->pos;
		if (ch == 0 || is_newline(ch) || ch == ';' || ch == '|' || ch == ')' || ch == '}')
			break;
		int r = parse_redirection(p);
		if (r < 0)
			return NULL;
		if (r) {
			*redirs |= r;
			continue;
		}
		ps_node *arg = node(p, PN_ARG, at);
		if (!arg)
			return NULL;
		if (ch == '-' && (isalpha(peekc(p, 1)) || peekc(p, 1) == '_')) {
			p->pos++;
			size_t from = p->pos;
			while (is_word_char(peekc(p, 0)) || peekc(p, 0) == '-' || peekc(p, 0) == '?')
				p->pos++;
			arg->name = text(p, from, p->pos);
			if (peekc(p, 0) == ':') {
				p->pos++;
				arg->op = 1;
				ps_node *v = parse_arg_value(p);
				if (!v)
					return p->failed ? NULL
					       : fail_at(p, at, arg->name, "ParameterRequiresArgument",
							 "Missing an argument for parameter '%s'.",
							 arg->name);
				add(p, arg, v);
			}
		} else if (ch == '-' && peekc(p, 1) == '-' && ends_argument(peekc(p, 2))) {
			return not_modelled(p, at, "'--' (end of parameters)");
		} else if (ch == '@' && is_word_char(peekc(p, 1))) {
			p->pos++;
			size_t from = p->pos;
			while (is_word_char(peekc(p, 0)))
				p->pos++;
			arg->op = 2;
			arg->name = text(p, from, p->pos);
			for (char *s = (char *)arg->name; *s; s++)
				*s = (char)tolower((unsigned char)*s);
		} else {
			ps_node *v = parse_arg_list(p);
			if (!v)
				return NULL;
			add(p, arg, v);
		}
		arg->end = p->pos;
		add(p, cmd, arg);
	}
	cmd->end = p->pos;
	return cmd;
}

/* Whether the text at pos starts a command (not an expression). */
static bool starts_command(parser *p)
{
	int ch = peekc(p, 0);
	size_t q;

	if (ch == '&' && peekc(p, 1) != '&')
		return true;
	if (ch == '.' && (isspace(peekc(p, 1)) || peekc(p, 1) == '\\' || peekc(p, 1) == '/'))
		return true;
	if (ch == '$' || ch == '(' || ch == '@' || ch == '[' || ch == '{' || ch == '"' ||
	    ch == '-' || ch == '+' || ch == '!' || ch == ',' || is_single_quote(p, 0, &q))
		return false;
	if (isdigit(ch) || (ch == '.' && isdigit(peekc(p, 1)))) {
		size_t save = p->pos;
		pv num;
		bool number = scan_number(p, &num);
		p->pos = save;
		return !number;
	}
	return ch && !ends_generic(ch);
}

static bool is_lvalue(const ps_node *e)
{
	if (e->k == PE_CAST)
		return e->kid[0]->k == PE_VAR;
	return e->k == PE_VAR || e->k == PE_MEMBER || e->k == PE_INDEX;
}

static int assign_op(parser *p, size_t *len)
{
	int ch = peekc(p, 0);

	*len = 2;
	if (ch == '=' )
		return (*len = 1), PS_OP_ASSIGN;
	if (peekc(p, 1) != '=')
		return 0;
	switch (ch) {
	case '+': return PS_OP_ADD_ASSIGN;
	case '-': return PS_OP_SUB_ASSIGN;
	case '*': return PS_OP_MUL_ASSIGN;
	case '/': return PS_OP_DIV_ASSIGN;
	case '%': return PS_OP_MOD_ASSIGN;
	default: return 0;
	}
}

/* element | element | ...; with allow_assign, "target = statement". */
static ps_node *parse_pipeline(parser *p, bool allow_assign)
{
	size_t start = p->pos;
	ps_node *pipe = node(p, PN_PIPELINE, start);
	int redirs = 0;

	if (!pipe)
		return NULL;
	for (bool first = true;; first = false) {
		skip_ws(p, false);
		ps_node *el;
		if (starts_command(p)) {
			el = parse_command(p, &redirs);
		} else if (!first) {
			if (p->failed)
				return NULL;
			return fail_at(p, p->pos, "", "ExpressionsMustBeFirstInPipeline",
				       "Expressions are only allowed as the first element of a "
				       "pipeline.");
		} else {
			el = parse_expr(p, true);
			if (el && allow_assign) {
				size_t len, save = p->pos;
				skip_ws(p, false);
				int op = assign_op(p, &len);
				if (op) {
					if (!is_lvalue(el))
						return fail_at(p, p->pos, "=", "InvalidLeftHandSide",
							       "The assignment expression is not "
							       "valid. The input to an assignment "
							       "operator must be an object that is "
							       "able to accept assignments, such as "
							       "a variable or a property.");
					p->pos += len;
					skip_ws(p, true);
					ps_node *rhs = parse_statement(p);
					if (!rhs)
						return p->failed ? NULL
						       : fail_at(p, p->pos, "=",
								 "ExpectedValueExpression",
								 "You must provide a value expression"
								 " on the right-hand side of the "
								 "'=' operator.");
					ps_node *as = node(p, PN_ASSIGN, el->pos);
					if (!as)
						return NULL;
					as->op = op;
					add(p, as, el);
					add(p, as, rhs);
					return as;
				}
				p->pos = save;
			}
			if (el) {
				skip_ws(p, false);
				int r;
				while ((r = parse_redirection(p)) > 0) {
					redirs |= r;
					skip_ws(p, false);
				}
				if (r < 0)
					return NULL;
			}
		}
		if (!el)
			return NULL;
		add(p, pipe, el);
		skip_ws(p, false);
		if (peekc(p, 0) != '|' || peekc(p, 1) == '|')
			break;
		p->pos++;
		skip_ws(p, true);
		if (at_end(p) || in_set(peekc(p, 0), ";)}"))
			return fail_at(p, p->pos, "|", "EmptyPipeElement",
				       "An empty pipe element is not permitted.");
	}
	pipe->op = redirs;
	return pipe;
}

/* ------------------------------------------------------------ statements */

static ps_node *parse_body(parser *p, const char *after)
{
	skip_ws(p, true);
	if (peekc(p, 0) != '{')
		return fail_at(p, p->pos, after, "MissingStatementBlock",
			       "Missing statement block after '%s'.", after);
	p->pos++;
	return parse_block_until(p, '}');
}

/* ( pipeline ) after a keyword */
static ps_node *parse_condition(parser *p, const char *kw)
{
	skip_ws(p, false);
	if (peekc(p, 0) != '(')
		return fail_at(p, p->pos, kw, "MissingOpenParenthesisAfterKeyword",
			       "Missing '(' after '%s' in %s statement.", kw, kw);
	p->pos++;
	skip_ws(p, true);
	ps_node *cond = parse_pipeline(p, true);
	skip_ws(p, true);
	if (!cond)
		return p->failed ? NULL
		       : fail_at(p, p->pos, kw, "IfStatementMissingCondition",
				 "Missing condition in %s statement after '%s ('.", kw, kw);
	if (!expect(p, ')', "MissingEndParenthesisAfterStatement",
		    "Missing closing ')' after expression in statement."))
		return NULL;
	return cond;
}

static ps_node *parse_if(parser *p, size_t start)
{
	ps_node *n = node(p, PN_IF, start);

	p->pos += 2;
	for (;;) {
		ps_node *cond = parse_condition(p, "if"), *body = cond ? parse_body(p, ")") : NULL;
		if (!n || !body)
			return NULL;
		add(p, n, cond);
		add(p, n, body);
		size_t save = p->pos;
		skip_ws(p, true);
		if (keyword_at(p, "elseif")) {
			p->pos += 6;
			continue;
		}
		if (keyword_at(p, "else")) {
			p->pos += 4;
			ps_node *other = parse_body(p, "else");
			if (!other)
				return NULL;
			add(p, n, other);
			break;
		}
		p->pos = save;
		break;
	}
	n->end = p->pos;
	return n;
}

static ps_node *parse_foreach(parser *p, size_t start)
{
	ps_node *n = node(p, PN_FOREACH, start);

	p->pos += 7;
	skip_ws(p, false);
	if (!expect(p, '(', "MissingOpenParenthesisAfterKeyword",
		    "Missing opening '(' after keyword 'foreach'."))
		return NULL;
	skip_ws(p, true);
	size_t at = p->pos;
	if (peekc(p, 0) != '$')
		return fail_at(p, at, "foreach", "MissingVariableNameAfterForeach",
			       "Missing variable name after foreach.");
	p->pos++;
	ps_node *var = parse_variable_name(p, at);
	skip_ws(p, true);
	if (!var || !keyword_at(p, "in"))
		return p->failed ? NULL
		       : fail_at(p, p->pos, "foreach", "MissingInInForeach",
				 "Missing 'in' after variable in foreach loop.");
	p->pos += 2;
	skip_ws(p, true);
	ps_node *coll = parse_pipeline(p, false);
	skip_ws(p, true);
	if (!coll || !expect(p, ')', "MissingEndParenthesisAfterForeach",
			     "Missing closing ')' after expression in 'foreach' statement."))
		return NULL;
	ps_node *body = parse_body(p, ")");
	if (!n || !body)
		return NULL;
	n->name = var->name;
	add(p, n, coll);
	add(p, n, body);
	return n;
}

static ps_node *parse_for(parser *p, size_t start)
{
	ps_node *n = node(p, PN_FOR, start), *part[3] = { NULL, NULL, NULL };

	p->pos += 3;
	skip_ws(p, false);
	if (!expect(p, '(', "MissingOpenParenthesisAfterKeyword",
		    "Missing opening '(' after keyword 'for'."))
		return NULL;
	for (int i = 0; i < 3; i++) {
		skip_ws(p, true);
		if (peekc(p, 0) != (i < 2 ? ';' : ')'))
			part[i] = parse_pipeline(p, true);
		skip_ws(p, true);
		if (p->failed || !expect(p, i < 2 ? ';' : ')', "MissingEndParenthesisAfterStatement",
					 "Missing closing ')' after expression in 'for' statement."))
			return NULL;
	}
	ps_node *body = parse_body(p, ")");
	if (!n || !body)
		return NULL;
	for (int i = 0; i < 3; i++)
		add(p, n, part[i]);
	add(p, n, body);
	return n;
}

static ps_node *parse_try(parser *p, size_t start)
{
	ps_node *n = node(p, PN_TRY, start);

	p->pos += 3;
	ps_node *body = parse_body(p, "try");
	if (!n || !body)
		return NULL;
	add(p, n, body);
	bool handled = false;
	for (;;) {
		size_t save = p->pos;
		skip_ws(p, true);
		if (keyword_at(p, "catch")) {
			ps_node *c = node(p, PN_CATCH, p->pos);
			p->pos += 5;
			carve_buf types = CARVE_BUF_INIT;
			for (;;) {
				skip_ws(p, false);
				if (peekc(p, 0) != '[')
					break;
				size_t end;
				char *t = scan_type_name(p, &end);
				if (!t) {
					carve_buf_done(&types);
					return fail_at(p, p->pos, "[", "MissingTypeLiteralToken",
						       "Missing type name after '['.");
				}
				p->pos = end;
				carve_buf_printf(&types, "%s%s", types.len ? "," : "", t);
				skip_ws(p, false);
				if (peekc(p, 0) == ',')
					p->pos++;
			}
			ps_node *cb = parse_body(p, "catch");
			if (!c || !cb) {
				carve_buf_done(&types);
				return NULL;
			}
			c->name = types.len ? carve_arena_strdup(&p->c->arena, types.ptr) : NULL;
			carve_buf_done(&types);
			add(p, c, cb);
			add(p, n, c);
			handled = true;
			continue;
		}
		if (keyword_at(p, "finally")) {
			p->pos += 7;
			ps_node *fb = parse_body(p, "finally");
			if (!fb)
				return NULL;
			add(p, n, fb);
			return n;
		}
		p->pos = save;
		break;
	}
	if (!handled)
		return fail_at(p, p->pos, "try", "MissingCatchOrFinally",
			       "The Try statement is missing its Catch or Finally block.");
	add(p, n, NULL); /* the last kid is the finally block, here none */
	return n;
}

static ps_node *parse_flow(parser *p, size_t start, ps_nkind k, size_t len)
{
	ps_node *n = node(p, k, start);

	p->pos += len;
	skip_ws(p, false);
	int ch = peekc(p, 0);
	if (n && (k == PN_THROW || k == PN_RETURN || k == PN_EXIT) && ch && !is_newline(ch) &&
	    ch != ';' && ch != '}' && ch != ')') {
		ps_node *v = parse_pipeline(p, false);
		if (!v)
			return NULL;
		add(p, n, v);
	} else if (n && (k == PN_BREAK || k == PN_CONTINUE) && isalpha(ch)) {
		return not_modelled(p, p->pos, "loop labels");
	}
	return n;
}

static ps_node *parse_function(parser *p, size_t start)
{
	ps_node *n = node(p, PN_FUNCTION, start);

	p->pos += strlen("function");
	skip_ws(p, false);
	size_t from = p->pos;
	while (!ends_generic(peekc(p, 0)))
		p->pos++;
	if (p->pos == from)
		return fail_at(p, from, "function", "MissingNameAfterKeyword",
			       "Missing name after function keyword.");
	char *name = text(p, from, p->pos);
	skip_ws(p, false);
	if (peekc(p, 0) == '(')
		return not_modelled(p, p->pos, "function parameters in parentheses (use param())");
	skip_ws(p, true);
	if (peekc(p, 0) != '{')
		return fail_at(p, p->pos, name, "MissingFunctionBody",
			       "Missing function body in function declaration.");
	ps_node *sb = parse_scriptblock(p);
	if (!n || !sb)
		return NULL;
	n->name = name;
	add(p, n, sb);
	return n;
}

static ps_node *parse_statement(parser *p)
{
	size_t start = p->pos;
	static const struct { const char *kw; const char *what; } unmodelled[] = {
		{ "switch", "the switch statement" }, { "trap", "trap" },
		{ "filter", "filters" }, { "data", "data sections" },
		{ "begin", "begin/process/end blocks" }, { "process", "begin/process/end blocks" },
	};

	if (keyword_at(p, "if"))
		return parse_if(p, start);
	if (keyword_at(p, "foreach"))
		return parse_foreach(p, start);
	if (keyword_at(p, "for"))
		return parse_for(p, start);
	if (keyword_at(p, "while")) {
		ps_node *n = node(p, PN_WHILE, start);
		p->pos += 5;
		ps_node *cond = parse_condition(p, "while"), *body = cond ? parse_body(p, ")") : NULL;
		if (!n || !body)
			return NULL;
		add(p, n, cond);
		add(p, n, body);
		return n;
	}
	if (keyword_at(p, "do")) {
		ps_node *n = node(p, PN_DO, start);
		p->pos += 2;
		ps_node *body = parse_body(p, "do");
		skip_ws(p, true);
		bool until = keyword_at(p, "until");
		if (!until && !keyword_at(p, "while"))
			return p->failed ? NULL
			       : fail_at(p, p->pos, "do", "MissingWhileOrUntilInDoWhile",
					 "Missing while or until keyword in do loop.");
		p->pos += 5; /* "until" and "while" */
		ps_node *cond = body ? parse_condition(p, until ? "until" : "while") : NULL;
		if (!n || !cond)
			return NULL;
		n->op = until;
		add(p, n, body);
		add(p, n, cond);
		return n;
	}
	if (keyword_at(p, "try"))
		return parse_try(p, start);
	if (keyword_at(p, "throw"))
		return parse_flow(p, start, PN_THROW, 5);
	if (keyword_at(p, "return"))
		return parse_flow(p, start, PN_RETURN, 6);
	if (keyword_at(p, "exit"))
		return parse_flow(p, start, PN_EXIT, 4);
	if (keyword_at(p, "break"))
		return parse_flow(p, start, PN_BREAK, 5);
	if (keyword_at(p, "continue"))
		return parse_flow(p, start, PN_CONTINUE, 8);
	if (keyword_at(p, "function"))
		return parse_function(p, start);
	if (keyword_at(p, "param")) {
		/* a script's own param() block: carve passes no arguments */
		p->pos += 5;
		skip_ws(p, false);
		if (peekc(p, 0) == '(') {
			int depth = 0;
			do {
				depth += peekc(p, 0) == '(';
				depth -= peekc(p, 0) == ')';
				p->pos++;
			} while (!at_end(p) && depth);
		}
		return node(p, PN_BLOCK, start);
	}
	for (size_t i = 0; i < CARVE_ARRAY_SIZE(unmodelled); i++)
		if (keyword_at(p, unmodelled[i].kw)) {
			parser probe = *p;
			probe.pos += strlen(unmodelled[i].kw);
			skip_ws(&probe, false);
			if (peekc(&probe, 0) == '(' || peekc(&probe, 0) == '{' ||
			    peekc(&probe, 0) == '-' || !strcmp(unmodelled[i].kw, "trap"))
				return not_modelled(p, start, unmodelled[i].what);
		}
	if (keyword_at(p, "else") || keyword_at(p, "elseif") || keyword_at(p, "catch") ||
	    keyword_at(p, "finally") || keyword_at(p, "in") || keyword_at(p, "until")) {
		size_t end = p->pos;
		while (is_word_char(p->s[end]))
			end++;
		return fail_at(p, start, text(p, start, end), "UnexpectedToken",
			       "Unexpected token '%s' in expression or statement.",
			       text(p, start, end));
	}
	return parse_pipeline(p, true);
}

/* Statements separated by newlines or ';' until close ('}' or ')'; 0: the
 * end of the script).  pos ends after close. */
static ps_node *parse_block_until(parser *p, int close)
{
	ps_node *block = node(p, PN_BLOCK, p->pos);
	size_t start = p->pos;

	if (++p->depth > MAX_DEPTH)
		return fail_at(p, start, "", "ScriptTooDeep", "The script is nested too deeply.");
	for (;;) {
		skip_separators(p);
		int ch = peekc(p, 0);
		if (close && ch == close) {
			p->pos++;
			break;
		}
		if (at_end(p)) {
			if (!close)
				break;
			p->depth--;
			return close == '}'
			       ? fail_at(p, start > 0 ? start - 1 : 0, "{", "MissingEndCurlyBrace",
					 "Missing closing '}' in statement block.")
			       : fail_at(p, start > 0 ? start - 1 : 0, "(",
					 "MissingEndParenthesisInExpression",
					 "Missing closing ')' in expression.");
		}
		if (ch == '}' || ch == ')') {
			p->depth--;
			return fail_at(p, p->pos, text(p, p->pos, p->pos + 1), "UnexpectedToken",
				       "Unexpected token '%c' in expression or statement.", ch);
		}
		ps_node *st = parse_statement(p);
		if (!st || !block) {
			p->depth--;
			return NULL;
		}
		add(p, block, st);
		skip_ws(p, false);
		ch = peekc(p, 0);
		if (ch && !is_newline(ch) && ch != ';' && ch != close) {
			size_t end = p->pos;
			while (end < p->len && !ends_generic((unsigned char)p->s[end]))
				end++;
			if (end == p->pos)
				end++;
			p->depth--;
			return fail_at(p, p->pos, text(p, p->pos, end), "UnexpectedToken",
				       "Unexpected token '%s' in expression or statement.",
				       text(p, p->pos, end));
		}
	}
	p->depth--;
	block->end = p->pos;
	return block;
}

int ps_parse(ps_node **out, ps_ctx *c, const char *src, size_t len)
{
	parser p = { c, src, len, 0, false, 0 };

	*out = parse_block_until(&p, 0);
	if (p.failed || !*out) {
		if (!c->error_pending)
			fail_at(&p, p.pos, "", "ParseError", "The script could not be parsed.");
		return PS_THROW;
	}
	return 0;
}
