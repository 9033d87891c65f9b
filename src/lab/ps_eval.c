/*
 * ps_eval.c - running a parsed script as PowerShell 2.0 runs it.
 *
 * Errors follow about_Errors and about_Preference_Variables: a cmdlet's
 * non-terminating error is printed and the cmdlet goes on, or, under
 * $ErrorActionPreference = 'Stop' (or -ErrorAction Stop), stops the script
 * with PowerShell 2.0's ActionPreferenceStopException; a runtime error
 * (a method called on $null, a command that does not exist, a parameter
 * that cannot be bound) stops its statement, or the script under Stop;
 * try/catch catches both; "throw" always stops the script.  What
 * powershell.exe prints for an error that nobody caught is PowerShell 2.0's
 * layout: "At line:N char:M", the line with "<<<<" where it failed, then
 * CategoryInfo and FullyQualifiedErrorId.
 *
 * PowerShell 2.0 traits modelled on purpose, because a script written for
 * a later version fails on them: "foreach ($x in $null)" runs once with
 * $null; a property of an array is not looked up on its elements (member
 * enumeration came in 3.0) but is $null; an undefined variable is $null.
 */
#include "ps.h"
#include "winps.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_STEPS 20000000UL

typedef struct {
	const char *name;
	pv val;
} ps_var;

struct ps_scope {
	ps_scope *parent;
	ps_var *v;
	size_t n, cap;
};

typedef struct {
	const char *name;
	const ps_node *block;
} ps_function;

/* Run-wide state that is not in ps_ctx (ps.h keeps that small). */
typedef struct {
	ps_function *fn;
	size_t n_fn, cap_fn;
	unsigned try_depth;
	unsigned suppress_errors;  /* 2>$null */
	pv_list *error_sink;       /* 2>&1: errors become output */
	bool last_ok;              /* $? of the last statement */
	int64_t last_exit_code;
} run_state;

static run_state *state(ps_ctx *c)
{
	return c->run;
}

/* ------------------------------------------------------------ errors */

static void set_error(ps_ctx *c, const char *command, const char *exception,
		      const char *category, const char *error_id, const char *message)
{
	memset(&c->error, 0, sizeof(c->error));
	c->error.message = carve_arena_strdup(&c->arena, message);
	c->error.exception = exception;
	c->error.category = carve_arena_strdup(&c->arena, category);
	c->error.error_id = carve_arena_strdup(&c->arena, error_id);
	c->error.command = command;
	c->error.pos = c->cur ? c->cur->pos : 0;
	c->error.end = c->cur ? c->cur->mark : 0;
	c->error_pending = true;
}

int ps_throw(ps_ctx *c, const char *exception, const char *category, const char *error_id,
	     const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	set_error(c, NULL, exception, category, error_id, msg);
	return PS_THROW;
}

int ps_throw_cmd(ps_ctx *c, const char *command, const char *exception, const char *category,
		 const char *error_id, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	set_error(c, command, exception, category, error_id, msg);
	return PS_THROW;
}

/* "At line:N char:M" and the line with <<<< at the error's mark. */
static void print_position(ps_ctx *c, carve_buf *b, size_t mark)
{
	size_t line_start = 0, line = 1;

	if (mark > c->src_len)
		mark = c->src_len;
	for (size_t i = 0; i < mark; i++)
		if (c->src[i] == '\n') {
			line++;
			line_start = i + 1;
		}
	size_t line_end = line_start;
	while (line_end < c->src_len && c->src[line_end] != '\n' && c->src[line_end] != '\r')
		line_end++;
	carve_buf_printf(b, "At line:%zu char:%zu\r\n+ ", line, mark - line_start + 1);
	carve_buf_put(b, c->src + line_start, mark - line_start);
	carve_buf_puts(b, " <<<< ");
	carve_buf_put(b, c->src + mark, line_end - mark);
	carve_buf_puts(b, "\r\n");
}

/* An error record as PowerShell 2.0's host writes it to stderr. */
static void print_error(ps_ctx *c, const ps_error *e)
{
	carve_buf b = CARVE_BUF_INIT;

	if (e->command)
		carve_buf_printf(&b, "%s : ", e->command);
	carve_buf_printf(&b, "%s\r\n", e->message);
	print_position(c, &b, e->end);
	carve_buf_printf(&b, "    + CategoryInfo          : %s\r\n"
			 "    + FullyQualifiedErrorId : %s\r\n \r\n", e->category, e->error_id);
	carve_buf_put(c->err, b.ptr ? b.ptr : "", b.len);
	carve_buf_done(&b);
}

static int error_preference(ps_ctx *c)
{
	const char *p = pv_to_str(c, ps_var_get(c, "erroractionpreference"));

	if (!strcasecmp(p, "Stop"))
		return PS_EA_STOP;
	if (!strcasecmp(p, "SilentlyContinue"))
		return PS_EA_SILENT;
	return PS_EA_CONTINUE;
}

/* The ErrorRecord object $_ shows in a catch block. */
static pv error_value(ps_ctx *c, const ps_error *e)
{
	ps_obj *rec = ps_obj_new(c, &ps_class_error), *ex = ps_obj_new(c, &ps_class_psobject);

	if (!rec || !ex)
		return PV_NULL_VALUE;
	ps_obj_set(c, ex, "Message", pv_str(c, e->message));
	ps_obj_set(c, ex, "GetType", pv_str(c, e->exception));
	rec->data = (void *)e->exception;
	ps_obj_set(c, rec, "Exception", pv_obj(ex));
	ps_obj_set(c, rec, "CategoryInfo", pv_str(c, e->category));
	ps_obj_set(c, rec, "FullyQualifiedErrorId", pv_str(c, e->error_id));
	ps_obj_set(c, rec, "TargetObject", e->target);
	return pv_obj(rec);
}

int ps_write_error(ps_ctx *c, ps_call *call, const char *exception, const char *category,
		   const char *error_id, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	run_state *rs = state(c);
	const char *name = call->cmd->name;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rs->last_ok = false;
	if (call->error_action == PS_EA_STOP) {
		/* PowerShell 2.0 wraps the record in ActionPreferenceStopException,
		 * whose message carries the original one. */
		char wrapped[2300];
		snprintf(wrapped, sizeof(wrapped), "Command execution stopped because the preference "
			 "variable \"ErrorActionPreference\" or common parameter is set to Stop: %s",
			 msg);
		set_error(c, name, "System.Management.Automation.ActionPreferenceStopException",
			  category, error_id, wrapped);
		c->error.end = call->node->mark;
		return PS_THROW;
	}
	if (call->error_action == PS_EA_SILENT)
		return 0;
	ps_error e = { 0 };
	e.message = carve_arena_strdup(&c->arena, msg);
	e.exception = exception;
	e.category = category;
	e.error_id = error_id;
	e.command = name;
	e.end = call->node->mark;
	if (rs->error_sink) {
		pv_list_push(c, rs->error_sink, error_value(c, &e));
		return 0;
	}
	if (!rs->suppress_errors)
		print_error(c, &e);
	return 0;
}

int ps_step(ps_ctx *c)
{
	if (++c->steps <= MAX_STEPS)
		return 0;
	return ps_throw(c, "System.Management.Automation.RuntimeException",
			"OperationStopped: (:) [], RuntimeException", "CarveLabStepLimit",
			"carve-lab stopped the script after %lu steps: it looks like a loop that never "
			"ends", MAX_STEPS);
}

void ps_sleep(ps_ctx *c, uint32_t ms)
{
	lab_cost_sleep(c->env->site, ms);
}

/* ------------------------------------------------------------ variables */

static ps_scope *scope_new(ps_ctx *c, ps_scope *parent)
{
	ps_scope *s = carve_arena_calloc(&c->arena, 1, sizeof(*s));

	if (s)
		s->parent = parent;
	return s;
}

static ps_var *scope_find(ps_scope *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].name, name))
			return &s->v[i];
	return NULL;
}

static void scope_set(ps_ctx *c, ps_scope *s, const char *name, pv v)
{
	ps_var *var = scope_find(s, name);

	if (var) {
		var->val = v;
		return;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		ps_var *nv = carve_arena_alloc(&c->arena, cap * sizeof(*nv));
		if (!nv)
			return;
		if (s->n)
			memcpy(nv, s->v, s->n * sizeof(*nv));
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n].name = carve_arena_strdup(&c->arena, name);
	s->v[s->n++].val = v;
}

static ps_scope *global_scope(ps_ctx *c)
{
	ps_scope *s = c->scope;

	while (s->parent)
		s = s->parent;
	return s;
}

/* $env:NAME on the host the script runs on. */
static pv env_var(ps_ctx *c, const char *name)
{
	const lab_host *h = c->env->self;
	bool xp = !strcmp(h->os, "xp");
	const char *user = ps_session_user(c), *slash = strchr(user, '\\');

	if (!strcasecmp(name, "computername"))
		return pv_str(c, h->name);
	if (!strcasecmp(name, "systemroot") || !strcasecmp(name, "windir"))
		return pv_str(c, xp ? "C:\\WINDOWS" : "C:\\Windows");
	if (!strcasecmp(name, "systemdrive"))
		return pv_str(c, "C:");
	if (!strcasecmp(name, "username"))
		return pv_str(c, slash ? slash + 1 : user);
	if (!strcasecmp(name, "userdomain"))
		return slash ? pv_strn(c, user, (size_t)(slash - user)) : pv_str(c, h->name);
	if (!strcasecmp(name, "temp") || !strcasecmp(name, "tmp"))
		return pv_str(c, "C:\\Windows\\Temp");
	if (!strcasecmp(name, "processor_architecture"))
		return pv_str(c, "AMD64");
	return PV_NULL_VALUE;
}

pv ps_var_get(ps_ctx *c, const char *name)
{
	if (!strcmp(name, "null"))
		return PV_NULL_VALUE;
	if (!strcmp(name, "true"))
		return pv_bool(true);
	if (!strcmp(name, "false"))
		return pv_bool(false);
	if (!strcmp(name, "?"))
		return pv_bool(state(c)->last_ok);
	if (!strcmp(name, "lastexitcode"))
		return pv_int(state(c)->last_exit_code);
	if (!strncmp(name, "env:", 4))
		return env_var(c, name + 4);
	const char *bare = name;
	ps_scope *s = c->scope;
	if (!strncmp(name, "script:", 7) || !strncmp(name, "global:", 7)) {
		bare = name + 7;
		s = global_scope(c);
	} else if (!strncmp(name, "local:", 6)) {
		ps_var *v = scope_find(c->scope, name + 6);
		return v ? v->val : PV_NULL_VALUE;
	}
	for (; s; s = s->parent) {
		ps_var *v = scope_find(s, bare);
		if (v)
			return v->val;
	}
	return PV_NULL_VALUE;
}

void ps_var_set(ps_ctx *c, const char *name, pv v)
{
	if (!strcmp(name, "null"))
		return;
	if (!strncmp(name, "script:", 7) || !strncmp(name, "global:", 7))
		scope_set(c, global_scope(c), name + 7, v);
	else if (!strncmp(name, "local:", 6))
		scope_set(c, c->scope, name + 6, v);
	else
		scope_set(c, c->scope, name, v);
}

/* ------------------------------------------------------------ evaluation */

static int eval(ps_ctx *c, const ps_node *n, pv *out);
static int exec_block(ps_ctx *c, const ps_node *block, pv_list *out);
static int exec_statement(ps_ctx *c, const ps_node *n, pv_list *out);

/* Runs a statement and gives its output as one value. */
static int collect(ps_ctx *c, const ps_node *st, pv *out, bool as_array)
{
	pv_list l = { 0 };
	int err = st->k == PN_BLOCK ? exec_block(c, st, &l) : exec_statement(c, st, &l);

	if (err)
		return err;
	if (as_array) {
		ps_array *a = ps_array_new(c);
		for (size_t i = 0; a && i < l.n; i++)
			ps_array_push(c, a, l.v[i]);
		*out = a ? pv_array(a) : PV_NULL_VALUE;
	} else {
		*out = pv_list_collect(c, &l);
	}
	return 0;
}

/* "InvalidOperation: (Name:String) [], RuntimeException", as PowerShell 2.0
 * writes the category of an error about a member. */
static const char *member_category(ps_ctx *c, const char *name)
{
	carve_buf b = CARVE_BUF_INIT;

	carve_buf_printf(&b, "InvalidOperation: (%s:String) [], RuntimeException", name);
	const char *s = carve_arena_strdup(&c->arena, carve_buf_cstr(&b));
	carve_buf_done(&b);
	return s ? s : "InvalidOperation";
}

/* PowerShell 2.0 says "doesn't contain" (3.0 and later: "does not"). */
static int method_missing(ps_ctx *c, pv obj, const char *name)
{
	return ps_throw(c, "System.Management.Automation.RuntimeException",
			member_category(c, name), "MethodNotFound",
			"Method invocation failed because [%s] doesn't contain a method named '%s'.",
			pv_type_name(obj), name);
}

static const char *arg_str(ps_ctx *c, const pv *args, size_t n, size_t i)
{
	return i < n ? pv_to_str(c, args[i]) : "";
}

/* Trim, TrimEnd, TrimStart with optional characters. */
static const char *trim(ps_ctx *c, const char *s, const pv *args, size_t n, int which)
{
	const char *set = " \t\r\n\v\f";
	carve_buf chars = CARVE_BUF_INIT;

	if (n) {
		for (size_t i = 0; i < n; i++)
			carve_buf_puts(&chars, pv_to_str(c, args[i]));
		set = carve_arena_strdup(&c->arena, carve_buf_cstr(&chars));
	}
	carve_buf_done(&chars);
	size_t a = 0, b = strlen(s);
	if (which != 2)
		while (b > a && strchr(set, s[b - 1]))
			b--;
	if (which != 1)
		while (a < b && strchr(set, s[a]))
			a++;
	return carve_arena_strndup(&c->arena, s + a, b - a);
}

static const char *case_map(ps_ctx *c, const char *s, bool upper)
{
	char *r = carve_arena_strdup(&c->arena, s);

	for (char *p = r; p && *p; p++)
		*p = (char)(upper ? toupper((unsigned char)*p) : tolower((unsigned char)*p));
	return r ? r : "";
}

static int string_method(ps_ctx *c, const char *s, const char *m, const pv *args, size_t n,
			 pv *out)
{
	size_t len = strlen(s);
	int64_t i0 = 0, i1 = 0;

	if (!strcasecmp(m, "Trim"))
		*out = pv_str(c, trim(c, s, args, n, 0));
	else if (!strcasecmp(m, "TrimEnd"))
		*out = pv_str(c, trim(c, s, args, n, 1));
	else if (!strcasecmp(m, "TrimStart"))
		*out = pv_str(c, trim(c, s, args, n, 2));
	else if (!strcasecmp(m, "ToLower") || !strcasecmp(m, "ToLowerInvariant"))
		*out = pv_str(c, case_map(c, s, false));
	else if (!strcasecmp(m, "ToUpper") || !strcasecmp(m, "ToUpperInvariant"))
		*out = pv_str(c, case_map(c, s, true));
	else if (!strcasecmp(m, "ToString"))
		*out = pv_str(c, s);
	else if (!strcasecmp(m, "StartsWith") && n == 1)
		*out = pv_bool(!strncmp(s, arg_str(c, args, n, 0), strlen(arg_str(c, args, n, 0))));
	else if (!strcasecmp(m, "EndsWith") && n == 1) {
		const char *t = arg_str(c, args, n, 0);
		size_t tl = strlen(t);
		*out = pv_bool(tl <= len && !strcmp(s + len - tl, t));
	} else if (!strcasecmp(m, "Contains") && n == 1)
		*out = pv_bool(strstr(s, arg_str(c, args, n, 0)) != NULL);
	else if (!strcasecmp(m, "IndexOf") && n == 1) {
		const char *hit = strstr(s, arg_str(c, args, n, 0));
		*out = pv_int(hit ? hit - s : -1);
	} else if (!strcasecmp(m, "Replace") && n == 2) {
		const char *from = arg_str(c, args, n, 0), *to = arg_str(c, args, n, 1);
		carve_buf b = CARVE_BUF_INIT;
		size_t fl = strlen(from);
		for (const char *p = s; *p;) {
			if (fl && !strncmp(p, from, fl)) {
				carve_buf_puts(&b, to);
				p += fl;
			} else {
				carve_buf_putc(&b, *p++);
			}
		}
		*out = pv_str(c, carve_buf_cstr(&b));
		carve_buf_done(&b);
	} else if (!strcasecmp(m, "Substring") && (n == 1 || n == 2)) {
		if (pv_to_int(c, args[0], &i0) < 0 || (n == 2 && pv_to_int(c, args[1], &i1) < 0))
			return PS_THROW;
		if (n == 1)
			i1 = (int64_t)len - i0;
		if (i0 < 0 || i1 < 0 || (uint64_t)(i0 + i1) > len)
			return ps_throw(c, "System.Management.Automation.MethodInvocationException",
					"NotSpecified: (:) [], MethodInvocationException",
					"DotNetMethodException", "Exception calling \"Substring\" with "
					"\"%zu\" argument(s): \"Index and length must refer to a location "
					"within the string.\"", n);
		*out = pv_strn(c, s + i0, (size_t)i1);
	} else if (!strcasecmp(m, "Split")) {
		const char *seps = n ? pv_to_str(c, args[0]) : " ";
		ps_array *a = ps_array_new(c);
		const char *p = s;
		for (;;) {
			size_t k = strcspn(p, seps);
			ps_array_push(c, a, pv_strn(c, p, k));
			if (!p[k])
				break;
			p += k + 1;
		}
		*out = pv_array(a);
	} else if (!strcasecmp(m, "PadLeft") || !strcasecmp(m, "PadRight")) {
		if (n < 1 || pv_to_int(c, args[0], &i0) < 0)
			return n < 1 ? method_missing(c, pv_str(c, s), m) : PS_THROW;
		carve_buf b = CARVE_BUF_INIT;
		bool left = !strcasecmp(m, "PadLeft");
		if (!left)
			carve_buf_puts(&b, s);
		for (int64_t k = (int64_t)len; k < i0; k++)
			carve_buf_putc(&b, n > 1 ? arg_str(c, args, n, 1)[0] : ' ');
		if (left)
			carve_buf_puts(&b, s);
		*out = pv_str(c, carve_buf_cstr(&b));
		carve_buf_done(&b);
	} else if (!strcasecmp(m, "ToCharArray")) {
		ps_array *a = ps_array_new(c);
		for (size_t k = 0; k < len; k++)
			ps_array_push(c, a, pv_strn(c, s + k, 1));
		*out = pv_array(a);
	} else if (!strcasecmp(m, "Equals") && n == 1) {
		*out = pv_bool(!strcmp(s, arg_str(c, args, n, 0)));
	} else {
		return method_missing(c, pv_str(c, s), m);
	}
	return 0;
}

int ps_member_get(ps_ctx *c, pv obj, const char *name, pv *out)
{
	*out = PV_NULL_VALUE;
	switch (obj.k) {
	case PV_STR:
		if (!strcasecmp(name, "Length"))
			*out = pv_int((int64_t)strlen(obj.u.s));
		return 0;
	case PV_ARRAY:
		/* PowerShell 2.0: an array's own members only; a property of its
		 * elements is $null (member enumeration came in 3.0). */
		if (!strcasecmp(name, "Count") || !strcasecmp(name, "Length"))
			*out = pv_int((int64_t)obj.u.a->n);
		else if (!strcasecmp(name, "Rank"))
			*out = pv_int(1);
		return 0;
	case PV_HASH:
		if (ps_hash_get(obj.u.h, name, out))
			return 0;
		if (!strcasecmp(name, "Count")) {
			*out = pv_int((int64_t)obj.u.h->n);
		} else if (!strcasecmp(name, "Keys") || !strcasecmp(name, "Values")) {
			ps_array *a = ps_array_new(c);
			bool keys = !strcasecmp(name, "Keys");
			for (size_t i = 0; i < obj.u.h->n; i++)
				ps_array_push(c, a, keys ? pv_str(c, obj.u.h->e[i].key)
							 : obj.u.h->e[i].val);
			*out = pv_array(a);
		}
		return 0;
	case PV_OBJ: {
		ps_prop *p = ps_obj_find(obj.u.o, name);
		if (p) {
			*out = p->val;
			return 0;
		}
		if (obj.u.o->cls->get) {
			int r = obj.u.o->cls->get(c, obj.u.o, name, out);
			return r < 0 ? r : 0;
		}
		return 0;
	}
	default:
		return 0;
	}
}

static int call_method(ps_ctx *c, pv obj, const char *name, const pv *args, size_t n, pv *out)
{
	*out = PV_NULL_VALUE;
	switch (obj.k) {
	case PV_NULL:
		return ps_throw(c, "System.Management.Automation.RuntimeException",
				member_category(c, name), "InvokeMethodOnNull",
				"You cannot call a method on a null-valued expression.");
	case PV_STR:
		return string_method(c, obj.u.s, name, args, n, out);
	case PV_HASH:
		if (!strcasecmp(name, "ContainsKey") && n == 1) {
			pv dummy;
			*out = pv_bool(ps_hash_get(obj.u.h, pv_to_str(c, args[0]), &dummy));
			return 0;
		}
		if (!strcasecmp(name, "Add") && n == 2) {
			ps_hash_set(c, obj.u.h, pv_to_str(c, args[0]), args[1]);
			return 0;
		}
		return method_missing(c, obj, name);
	case PV_ARRAY:
		if (!strcasecmp(name, "Contains") && n == 1) {
			bool hit = false;
			for (size_t i = 0; i < obj.u.a->n && !hit; i++)
				hit = pv_compare(c, obj.u.a->v[i], args[0], false) == 0;
			*out = pv_bool(hit);
			return 0;
		}
		return method_missing(c, obj, name);
	case PV_OBJ:
		if (obj.u.o->cls->call) {
			int r = obj.u.o->cls->call(c, obj.u.o, name, args, n, out);
			if (r != 0)
				return r < 0 ? r : 0;
		}
		if (!strcasecmp(name, "ToString") && n == 0) {
			*out = pv_str(c, pv_to_str(c, obj));
			return 0;
		}
		return method_missing(c, obj, name);
	default:
		if (!strcasecmp(name, "ToString") && n == 0) {
			*out = pv_str(c, pv_to_str(c, obj));
			return 0;
		}
		return method_missing(c, obj, name);
	}
}

static int type_not_found(ps_ctx *c, const char *name)
{
	carve_buf b = CARVE_BUF_INIT;

	carve_buf_printf(&b, "InvalidOperation: (%s:String) [], RuntimeException", name);
	const char *category = carve_arena_strdup(&c->arena, carve_buf_cstr(&b));
	carve_buf_done(&b);
	return ps_throw(c, "System.Management.Automation.RuntimeException",
			category ? category : "InvalidOperation", "TypeNotFound", "Unable to find type [%s]: make sure that the assembly "
			"containing this type is loaded.", name);
}

static int resolve_type(ps_ctx *c, const char *name, const ps_type **out)
{
	if (!(*out = ps_type_find(name)))
		return type_not_found(c, name);
	return 0;
}

int ps_convert_to(ps_ctx *c, const ps_type *t, pv in, pv *out);

int ps_convert_to(ps_ctx *c, const ps_type *t, pv in, pv *out)
{
	if (!t->convert)
		return ps_throw(c, "System.Management.Automation.RuntimeException",
				"InvalidArgument: (:) [], RuntimeException", "ConvertToFinalInvalidCastException",
				"Cannot convert the \"%s\" value of type \"%s\" to type \"%s\".",
				pv_to_str(c, in), pv_type_name(in), t->name);
	return t->convert(c, in, out);
}

/* ---- operators ---- */

static bool compare_holds(int op, int r)
{
	switch (op) {
	case PS_OP_EQ: return r == 0;
	case PS_OP_NE: return r != 0;
	case PS_OP_GT: return r == 1;
	case PS_OP_GE: return r == 0 || r == 1;
	case PS_OP_LT: return r == -1;
	case PS_OP_LE: return r == 0 || r == -1;
	default: return false;
	}
}

/* One scalar comparison or match of a against b. */
static int scalar_op(ps_ctx *c, int op, bool cs, pv a, pv b, bool set_matches, bool *hit)
{
	switch (op) {
	case PS_OP_EQ: case PS_OP_NE: case PS_OP_GT: case PS_OP_GE: case PS_OP_LT: case PS_OP_LE:
		*hit = compare_holds(op, pv_compare(c, a, b, cs));
		return 0;
	case PS_OP_LIKE: case PS_OP_NOTLIKE:
		*hit = ps_like(pv_to_str(c, a), pv_to_str(c, b), cs) == (op == PS_OP_LIKE);
		return 0;
	case PS_OP_MATCH: case PS_OP_NOTMATCH: {
		ps_hash *groups = NULL;
		if (ps_regex_match(c, pv_to_str(c, a), pv_to_str(c, b), cs, hit,
				   set_matches ? &groups : NULL) < 0)
			return PS_THROW;
		if (*hit && groups)
			ps_var_set(c, "matches", (pv){ .k = PV_HASH, .u.h = groups });
		if (op == PS_OP_NOTMATCH)
			*hit = !*hit;
		return 0;
	}
	default:
		return PS_THROW;
	}
}

static int arith(ps_ctx *c, int op, pv a, pv b, pv *out);

static int add_values(ps_ctx *c, pv a, pv b, pv *out)
{
	if (a.k == PV_NULL) {
		*out = b;
		return 0;
	}
	if (a.k == PV_ARRAY) {
		ps_array *r = ps_array_new(c);
		for (size_t i = 0; i < a.u.a->n; i++)
			ps_array_push(c, r, a.u.a->v[i]);
		if (b.k == PV_ARRAY)
			for (size_t i = 0; i < b.u.a->n; i++)
				ps_array_push(c, r, b.u.a->v[i]);
		else
			ps_array_push(c, r, b);
		*out = pv_array(r);
		return 0;
	}
	if (a.k == PV_HASH) {
		if (b.k != PV_HASH)
			return ps_throw(c, "System.Management.Automation.RuntimeException",
					"InvalidOperation: (:) [], RuntimeException",
					"AddHashTableToNonHashTable", "You can add another hash table "
					"only to a hash table.");
		ps_hash *r = ps_hash_new(c);
		for (size_t i = 0; i < a.u.h->n; i++)
			ps_hash_set(c, r, a.u.h->e[i].key, a.u.h->e[i].val);
		for (size_t i = 0; i < b.u.h->n; i++)
			ps_hash_set(c, r, b.u.h->e[i].key, b.u.h->e[i].val);
		*out = (pv){ .k = PV_HASH, .u.h = r };
		return 0;
	}
	if (a.k == PV_STR) {
		carve_buf s = CARVE_BUF_INIT;
		carve_buf_puts(&s, a.u.s);
		carve_buf_puts(&s, pv_to_str(c, b));
		*out = pv_str(c, carve_buf_cstr(&s));
		carve_buf_done(&s);
		return 0;
	}
	return arith(c, PS_OP_ADD, a, b, out);
}

static int arith(ps_ctx *c, int op, pv a, pv b, pv *out)
{
	int64_t ai, bi;
	double ad, bd;
	time_t t;

	if (op == PS_OP_MUL && (a.k == PV_STR || a.k == PV_ARRAY)) {
		if (pv_to_int(c, b, &bi) < 0)
			return PS_THROW;
		if (a.k == PV_STR) {
			carve_buf s = CARVE_BUF_INIT;
			for (int64_t k = 0; k < bi && k < 100000; k++)
				carve_buf_puts(&s, a.u.s);
			*out = pv_str(c, carve_buf_cstr(&s));
			carve_buf_done(&s);
		} else {
			ps_array *r = ps_array_new(c);
			for (int64_t k = 0; k < bi && k < 10000; k++)
				for (size_t i = 0; i < a.u.a->n; i++)
					ps_array_push(c, r, a.u.a->v[i]);
			*out = pv_array(r);
		}
		return 0;
	}
	if (ps_datetime_get(a, &t) || (a.k != PV_INT && a.k != PV_DOUBLE && a.k != PV_STR &&
				       a.k != PV_NULL && a.k != PV_BOOL))
		return ps_throw(c, "System.Management.Automation.RuntimeException",
				"InvalidOperation: (:) [], RuntimeException", "MethodNotFound",
				"Method invocation failed because [%s] doesn't contain a method named "
				"'op_%s'.", pv_type_name(a),
				op == PS_OP_SUB ? "Subtraction" : op == PS_OP_MUL ? "Multiply"
				: op == PS_OP_DIV ? "Division" : op == PS_OP_MOD ? "Modulus" : "Addition");
	bool whole = (a.k != PV_DOUBLE && !(a.k == PV_STR && strpbrk(a.u.s, ".eE"))) &&
		     (b.k != PV_DOUBLE && !(b.k == PV_STR && strpbrk(b.u.s, ".eE")));
	if (whole) {
		if (pv_to_int(c, a, &ai) < 0 || pv_to_int(c, b, &bi) < 0)
			return PS_THROW;
		int64_t r;
		switch (op) {
		case PS_OP_ADD:
			if (!__builtin_add_overflow(ai, bi, &r)) { *out = pv_int(r); return 0; }
			break;
		case PS_OP_SUB:
			if (!__builtin_sub_overflow(ai, bi, &r)) { *out = pv_int(r); return 0; }
			break;
		case PS_OP_MUL:
			if (!__builtin_mul_overflow(ai, bi, &r)) { *out = pv_int(r); return 0; }
			break;
		case PS_OP_DIV:
			if (bi == 0)
				goto divzero;
			if (ai % bi == 0) { *out = pv_int(ai / bi); return 0; }
			break;
		case PS_OP_MOD:
			if (bi == 0)
				goto divzero;
			*out = pv_int(ai % bi);
			return 0;
		}
	}
	if (pv_to_double(c, a, &ad) < 0 || pv_to_double(c, b, &bd) < 0)
		return PS_THROW;
	switch (op) {
	case PS_OP_ADD: *out = pv_double(ad + bd); break;
	case PS_OP_SUB: *out = pv_double(ad - bd); break;
	case PS_OP_MUL: *out = pv_double(ad * bd); break;
	case PS_OP_DIV:
		if (bd == 0)
			goto divzero;
		*out = pv_double(ad / bd);
		break;
	case PS_OP_MOD:
		if (bd == 0)
			goto divzero;
		*out = pv_double(fmod(ad, bd));
		break;
	}
	return 0;
divzero:
	return ps_throw(c, "System.Management.Automation.RuntimeException",
			"NotSpecified: (:) [], RuntimeException", "RuntimeException",
			"Attempted to divide by zero.");
}

static int binary(ps_ctx *c, const ps_node *n, pv a, pv b, pv *out)
{
	int op = n->op & ~PS_OP_CASE;
	bool cs = (n->op & PS_OP_CASE) != 0;

	switch (op) {
	case PS_OP_EQ: case PS_OP_NE: case PS_OP_GT: case PS_OP_GE: case PS_OP_LT: case PS_OP_LE:
	case PS_OP_LIKE: case PS_OP_NOTLIKE: case PS_OP_MATCH: case PS_OP_NOTMATCH: {
		bool hit;
		if (a.k == PV_ARRAY) {
			/* a collection on the left filters it */
			ps_array *r = ps_array_new(c);
			for (size_t i = 0; i < a.u.a->n; i++) {
				if (scalar_op(c, op, cs, a.u.a->v[i], b, false, &hit) < 0)
					return PS_THROW;
				if (hit)
					ps_array_push(c, r, a.u.a->v[i]);
			}
			*out = pv_array(r);
			return 0;
		}
		if (scalar_op(c, op, cs, a, b, true, &hit) < 0)
			return PS_THROW;
		*out = pv_bool(hit);
		return 0;
	}
	case PS_OP_CONTAINS: case PS_OP_NOTCONTAINS: {
		bool hit = false;
		if (a.k == PV_ARRAY) {
			for (size_t i = 0; i < a.u.a->n && !hit; i++)
				hit = pv_compare(c, a.u.a->v[i], b, cs) == 0;
		} else {
			hit = pv_compare(c, a, b, cs) == 0;
		}
		*out = pv_bool(hit == (op == PS_OP_CONTAINS));
		return 0;
	}
	case PS_OP_REPLACE: {
		const char *re = "", *with = "";
		if (b.k == PV_ARRAY) {
			re = b.u.a->n > 0 ? pv_to_str(c, b.u.a->v[0]) : "";
			with = b.u.a->n > 1 ? pv_to_str(c, b.u.a->v[1]) : "";
		} else {
			re = pv_to_str(c, b);
		}
		if (a.k == PV_ARRAY) {
			ps_array *r = ps_array_new(c);
			for (size_t i = 0; i < a.u.a->n; i++) {
				const char *s;
				if (ps_regex_replace(c, pv_to_str(c, a.u.a->v[i]), re, with, cs, &s) < 0)
					return PS_THROW;
				ps_array_push(c, r, pv_str(c, s));
			}
			*out = pv_array(r);
			return 0;
		}
		const char *s;
		if (ps_regex_replace(c, pv_to_str(c, a), re, with, cs, &s) < 0)
			return PS_THROW;
		*out = pv_str(c, s);
		return 0;
	}
	case PS_OP_SPLIT: {
		const char *re = pv_to_str(c, b.k == PV_ARRAY && b.u.a->n ? b.u.a->v[0] : b);
		ps_array *r = ps_array_new(c);
		size_t count = a.k == PV_ARRAY ? a.u.a->n : 1;
		for (size_t i = 0; i < count; i++) {
			ps_array *parts;
			pv item = a.k == PV_ARRAY ? a.u.a->v[i] : a;
			if (ps_regex_split(c, pv_to_str(c, item), re, cs, &parts) < 0)
				return PS_THROW;
			for (size_t k = 0; k < parts->n; k++)
				ps_array_push(c, r, parts->v[k]);
		}
		*out = pv_array(r);
		return 0;
	}
	case PS_OP_JOIN: {
		carve_buf s = CARVE_BUF_INIT;
		const char *sep = pv_to_str(c, b);
		if (a.k == PV_ARRAY) {
			for (size_t i = 0; i < a.u.a->n; i++) {
				if (i)
					carve_buf_puts(&s, sep);
				carve_buf_puts(&s, pv_to_str(c, a.u.a->v[i]));
			}
		} else {
			carve_buf_puts(&s, pv_to_str(c, a));
		}
		*out = pv_str(c, carve_buf_cstr(&s));
		carve_buf_done(&s);
		return 0;
	}
	case PS_OP_FORMAT: {
		const char *s;
		const pv *args = b.k == PV_ARRAY ? b.u.a->v : &b;
		size_t na = b.k == PV_ARRAY ? b.u.a->n : 1;
		if (ps_format(c, pv_to_str(c, a), args, na, &s) < 0)
			return PS_THROW;
		*out = pv_str(c, s);
		return 0;
	}
	case PS_OP_IS: case PS_OP_ISNOT: case PS_OP_AS: {
		const ps_type *t = b.k == PV_TYPE ? b.u.t : NULL;
		if (!t && resolve_type(c, pv_to_str(c, b), &t) < 0)
			return PS_THROW;
		if (op == PS_OP_AS) {
			if (ps_convert_to(c, t, a, out) < 0) {
				c->error_pending = false;
				*out = PV_NULL_VALUE;
			}
			return 0;
		}
		bool is = t->is ? t->is(a) : false;
		*out = pv_bool(is == (op == PS_OP_IS));
		return 0;
	}
	case PS_OP_BAND: case PS_OP_BOR: case PS_OP_BXOR: {
		int64_t x, y;
		if (pv_to_int(c, a, &x) < 0 || pv_to_int(c, b, &y) < 0)
			return PS_THROW;
		*out = pv_int(op == PS_OP_BAND ? (x & y) : op == PS_OP_BOR ? (x | y) : (x ^ y));
		return 0;
	}
	case PS_OP_ADD:
		return add_values(c, a, b, out);
	case PS_OP_SUB: case PS_OP_MUL: case PS_OP_DIV: case PS_OP_MOD:
		return arith(c, op, a, b, out);
	case PS_OP_RANGE: {
		int64_t x, y;
		if (pv_to_int(c, a, &x) < 0 || pv_to_int(c, b, &y) < 0)
			return PS_THROW;
		if (llabs(y - x) > 1000000)
			return ps_throw(c, "System.Management.Automation.RuntimeException",
					"InvalidOperation: (:) [], RuntimeException", "RangeTooBig",
					"The range is too big.");
		ps_array *r = ps_array_new(c);
		for (int64_t k = x;; k += x <= y ? 1 : -1) {
			ps_array_push(c, r, pv_int(k));
			if (k == y)
				break;
		}
		*out = pv_array(r);
		return 0;
	}
	default:
		return ps_throw(c, "System.Management.Automation.RuntimeException",
				"NotImplemented: (:) [], RuntimeException", "CarveLabNotModelled",
				"carve-lab does not model this operator");
	}
}

static int unary(ps_ctx *c, int op, pv a, pv *out)
{
	switch (op) {
	case PS_OP_NOT:
		*out = pv_bool(!pv_truthy(a));
		return 0;
	case PS_OP_NEG:
	case PS_OP_PLUS:
		if (a.k == PV_DOUBLE || (a.k == PV_STR && strpbrk(a.u.s, ".eE"))) {
			double d;
			if (pv_to_double(c, a, &d) < 0)
				return PS_THROW;
			*out = pv_double(op == PS_OP_NEG ? -d : d);
		} else {
			int64_t i;
			if (pv_to_int(c, a, &i) < 0)
				return PS_THROW;
			*out = pv_int(op == PS_OP_NEG ? -i : i);
		}
		return 0;
	case PS_OP_BNOT: {
		int64_t i;
		if (pv_to_int(c, a, &i) < 0)
			return PS_THROW;
		*out = pv_int(~i);
		return 0;
	}
	case PS_OP_SPLIT: {
		ps_array *r;
		const char *s = pv_to_str(c, a);
		while (isspace((unsigned char)*s))
			s++;
		if (ps_regex_split(c, s, "\\s+", false, &r) < 0)
			return PS_THROW;
		*out = pv_array(r);
		return 0;
	}
	case PS_OP_JOIN: {
		carve_buf s = CARVE_BUF_INIT;
		if (a.k == PV_ARRAY)
			for (size_t i = 0; i < a.u.a->n; i++)
				carve_buf_puts(&s, pv_to_str(c, a.u.a->v[i]));
		else
			carve_buf_puts(&s, pv_to_str(c, a));
		*out = pv_str(c, carve_buf_cstr(&s));
		carve_buf_done(&s);
		return 0;
	}
	case PS_OP_COMMA: {
		ps_array *r = ps_array_new(c);
		ps_array_push(c, r, a);
		*out = pv_array(r);
		return 0;
	}
	}
	return PS_THROW;
}

static int eval_args(ps_ctx *c, const ps_node *n, size_t first, pv **args, size_t *count)
{
	*count = n->n - first;
	*args = carve_arena_calloc(&c->arena, *count ? *count : 1, sizeof(pv));
	for (size_t i = first; i < n->n; i++)
		if (eval(c, n->kid[i], &(*args)[i - first]) < 0)
			return PS_THROW;
	return 0;
}

static int member_name(ps_ctx *c, const ps_node *n, const char **name)
{
	if (n->name) {
		*name = n->name;
		return 0;
	}
	pv v;
	if (eval(c, n->kid[1], &v) < 0)
		return PS_THROW;
	*name = pv_to_str(c, v);
	return 0;
}

static int index_value(ps_ctx *c, pv obj, pv ix, pv *out)
{
	*out = PV_NULL_VALUE;
	if (ix.k == PV_ARRAY) { /* a slice */
		ps_array *r = ps_array_new(c);
		for (size_t i = 0; i < ix.u.a->n; i++) {
			pv one;
			if (index_value(c, obj, ix.u.a->v[i], &one) < 0)
				return PS_THROW;
			ps_array_push(c, r, one);
		}
		*out = pv_array(r);
		return 0;
	}
	if (obj.k == PV_HASH) {
		ps_hash_get(obj.u.h, pv_to_str(c, ix), out);
		return 0;
	}
	if (obj.k == PV_NULL)
		return ps_throw(c, "System.Management.Automation.RuntimeException",
				"InvalidOperation: (:) [], RuntimeException", "NullArray",
				"Cannot index into a null array.");
	int64_t i;
	if (pv_to_int(c, ix, &i) < 0)
		return PS_THROW;
	if (obj.k == PV_ARRAY) {
		if (i < 0)
			i += (int64_t)obj.u.a->n;
		if (i >= 0 && (size_t)i < obj.u.a->n)
			*out = obj.u.a->v[i];
		return 0;
	}
	if (obj.k == PV_STR) {
		size_t len = strlen(obj.u.s);
		if (i < 0)
			i += (int64_t)len;
		if (i >= 0 && (size_t)i < len)
			*out = pv_strn(c, obj.u.s + i, 1);
		return 0;
	}
	/* a scalar is an array of one */
	if (i == 0 || i == -1)
		*out = obj;
	return 0;
}

static int assign_to(ps_ctx *c, const ps_node *target, pv v);

static int incdec(ps_ctx *c, const ps_node *n, pv *out)
{
	pv old, now;

	if (eval(c, n->kid[0], &old) < 0 ||
	    arith(c, n->op == PS_OP_INC ? PS_OP_ADD : PS_OP_SUB, old.k == PV_NULL ? pv_int(0) : old,
		  pv_int(1), &now) < 0 ||
	    assign_to(c, n->kid[0], now) < 0)
		return PS_THROW;
	*out = pv_truthy(n->val) ? old : now;
	return 0;
}

static int eval(ps_ctx *c, const ps_node *n, pv *out)
{
	const ps_node *saved = c->cur;
	pv a, b;
	int err = 0;

	*out = PV_NULL_VALUE;
	if (ps_step(c) < 0)
		return PS_THROW;
	c->cur = n;
	switch (n->k) {
	case PE_CONST:
		*out = n->val;
		break;
	case PE_EXPAND: {
		carve_buf s = CARVE_BUF_INIT;
		for (size_t i = 0; i < n->n && !err; i++) {
			if ((err = eval(c, n->kid[i], &a)) == 0)
				carve_buf_puts(&s, pv_to_str(c, a));
		}
		if (!err)
			*out = pv_str(c, carve_buf_cstr(&s));
		carve_buf_done(&s);
		break;
	}
	case PE_VAR:
		*out = ps_var_get(c, n->name);
		break;
	case PE_MEMBER: {
		const char *name;
		if ((err = eval(c, n->kid[0], &a)) == 0 && (err = member_name(c, n, &name)) == 0) {
			c->cur = n;
			err = ps_member_get(c, a, name, out);
		}
		break;
	}
	case PE_INVOKE: {
		pv *args;
		size_t na;
		if ((err = eval(c, n->kid[0], &a)) == 0 &&
		    (err = eval_args(c, n, 1, &args, &na)) == 0) {
			c->cur = n;
			err = call_method(c, a, n->name, args, na, out);
		}
		break;
	}
	case PE_STATIC:
	case PE_STATIC_INVOKE: {
		const ps_type *t;
		const char *name;
		if ((err = resolve_type(c, n->kid[0]->name, &t)) < 0 ||
		    (err = member_name(c, n, &name)) < 0)
			break;
		c->cur = n;
		if (n->k == PE_STATIC) {
			int r = t->static_get ? t->static_get(c, name, out) : 0;
			err = r < 0 ? r : 0;
			break;
		}
		pv *args;
		size_t na;
		if ((err = eval_args(c, n, 1, &args, &na)) < 0)
			break;
		c->cur = n;
		int r = t->static_call ? t->static_call(c, name, args, na, out) : 0;
		if (r == 0)
			err = ps_throw(c, "System.Management.Automation.RuntimeException",
				       member_category(c, name), "MethodNotFound",
				       "Method invocation failed because [%s] doesn't contain a method "
				       "named '%s'.", t->name, name);
		else
			err = r < 0 ? r : 0;
		break;
	}
	case PE_INDEX:
		if ((err = eval(c, n->kid[0], &a)) == 0 && (err = eval(c, n->kid[1], &b)) == 0) {
			c->cur = n;
			err = index_value(c, a, b, out);
		}
		break;
	case PE_BINARY: {
		int op = n->op & ~PS_OP_CASE;
		if ((err = eval(c, n->kid[0], &a)) < 0)
			break;
		if (op == PS_OP_AND || op == PS_OP_OR) {
			bool left = pv_truthy(a);
			if ((op == PS_OP_AND && !left) || (op == PS_OP_OR && left)) {
				*out = pv_bool(left);
				break;
			}
			if ((err = eval(c, n->kid[1], &b)) == 0)
				*out = pv_bool(pv_truthy(b));
			break;
		}
		if ((err = eval(c, n->kid[1], &b)) < 0)
			break;
		c->cur = n;
		if (op == PS_OP_XOR)
			*out = pv_bool(pv_truthy(a) != pv_truthy(b));
		else
			err = binary(c, n, a, b, out);
		break;
	}
	case PE_UNARY:
		if ((err = eval(c, n->kid[0], &a)) == 0) {
			c->cur = n;
			err = unary(c, n->op, a, out);
		}
		break;
	case PE_CAST: {
		const ps_type *t;
		if ((err = eval(c, n->kid[0], &a)) == 0 && (err = resolve_type(c, n->name, &t)) == 0) {
			c->cur = n;
			err = ps_convert_to(c, t, a, out);
		}
		break;
	}
	case PE_TYPE: {
		const ps_type *t;
		if ((err = resolve_type(c, n->name, &t)) == 0)
			*out = (pv){ .k = PV_TYPE, .u.t = t };
		break;
	}
	case PE_ARRAY: {
		ps_array *r = ps_array_new(c);
		for (size_t i = 0; i < n->n && !err; i++)
			if ((err = eval(c, n->kid[i], &a)) == 0)
				ps_array_push(c, r, a);
		if (!err)
			*out = pv_array(r);
		break;
	}
	case PE_SUBEXPR:
		err = collect(c, n->kid[0], out, false);
		break;
	case PE_ARRAYEXPR:
		err = collect(c, n->kid[0], out, true);
		break;
	case PE_PAREN:
		if (n->n == 0)
			break;
		if (n->kid[0]->k == PN_ASSIGN) {
			/* ($x = 5) is the value assigned */
			pv_list l = { 0 };
			if ((err = exec_statement(c, n->kid[0], &l)) == 0)
				*out = ps_var_get(c, n->kid[0]->kid[0]->k == PE_VAR
						  ? n->kid[0]->kid[0]->name : "null");
			break;
		}
		err = collect(c, n->kid[0], out, false);
		break;
	case PE_HASH: {
		ps_hash *h = ps_hash_new(c);
		for (size_t i = 0; i + 1 < n->n && !err; i += 2) {
			if ((err = eval(c, n->kid[i], &a)) < 0)
				break;
			err = collect(c, n->kid[i + 1], &b, false);
			if (!err)
				ps_hash_set(c, h, pv_to_str(c, a), b);
		}
		if (!err)
			*out = (pv){ .k = PV_HASH, .u.h = h };
		break;
	}
	case PE_SCRIPTBLOCK:
		*out = (pv){ .k = PV_BLOCK, .u.blk = n };
		break;
	case PE_INCDEC:
		err = incdec(c, n, out);
		break;
	default:
		err = ps_throw(c, "System.Management.Automation.RuntimeException",
			       "NotImplemented: (:) [], RuntimeException", "CarveLabNotModelled",
			       "carve-lab cannot evaluate this here");
	}
	if (err == 0)
		c->cur = saved;
	return err;
}

/* ------------------------------------------------------------ assignment */

static int assign_to(ps_ctx *c, const ps_node *target, pv v)
{
	pv obj, ix;

	switch (target->k) {
	case PE_VAR:
		ps_var_set(c, target->name, v);
		return 0;
	case PE_CAST: {
		const ps_type *t;
		pv conv;
		if (resolve_type(c, target->name, &t) < 0 || ps_convert_to(c, t, v, &conv) < 0)
			return PS_THROW;
		ps_var_set(c, target->kid[0]->name, conv);
		return 0;
	}
	case PE_MEMBER: {
		const char *name;
		if (eval(c, target->kid[0], &obj) < 0 || member_name(c, target, &name) < 0)
			return PS_THROW;
		c->cur = target;
		if (obj.k == PV_HASH) {
			ps_hash_set(c, obj.u.h, name, v);
			return 0;
		}
		if (obj.k == PV_OBJ) {
			if (obj.u.o->cls->set) {
				int r = obj.u.o->cls->set(c, obj.u.o, name, v);
				if (r != 0)
					return r < 0 ? r : 0;
			}
			if (ps_obj_find(obj.u.o, name)) {
				ps_obj_set(c, obj.u.o, name, v);
				return 0;
			}
		}
		return ps_throw(c, "System.Management.Automation.RuntimeException",
				"InvalidOperation: (:) [], RuntimeException", "PropertyNotFound",
				"Property '%s' cannot be found on this object; make sure it exists "
				"and is settable.", name);
	}
	case PE_INDEX:
		if (eval(c, target->kid[0], &obj) < 0 || eval(c, target->kid[1], &ix) < 0)
			return PS_THROW;
		c->cur = target;
		if (obj.k == PV_HASH) {
			ps_hash_set(c, obj.u.h, pv_to_str(c, ix), v);
			return 0;
		}
		if (obj.k == PV_ARRAY) {
			int64_t i;
			if (pv_to_int(c, ix, &i) < 0)
				return PS_THROW;
			if (i < 0)
				i += (int64_t)obj.u.a->n;
			if (i < 0 || (size_t)i >= obj.u.a->n)
				return ps_throw(c, "System.Management.Automation.RuntimeException",
						"InvalidOperation: (:) [], RuntimeException", "IndexOutOfRange",
						"Array assignment failed because index '%" PRId64 "' was "
						"out of range.", i);
			obj.u.a->v[i] = v;
			return 0;
		}
		return ps_throw(c, "System.Management.Automation.RuntimeException",
				"InvalidOperation: (:) [], RuntimeException", "CannotIndex",
				"Unable to index into an object of type %s.", pv_type_name(obj));
	default:
		return ps_throw(c, "System.Management.Automation.RuntimeException",
				"InvalidOperation: (:) [], RuntimeException", "InvalidLeftHandSide",
				"The assignment expression is not valid.");
	}
}

static int exec_assign(ps_ctx *c, const ps_node *n)
{
	pv v, old, now;
	const ps_node *src = n->kid[1];

	/* An expression is assigned as it is ($a = @() is an empty array,
	 * $a = @(1) an array of one); a pipeline's output is collected
	 * (nothing is $null, one object itself). */
	if (src->k == PN_PIPELINE && src->n == 1 && src->kid[0]->k != PN_COMMAND && !src->op) {
		if (eval(c, src->kid[0], &v) < 0)
			return PS_THROW;
	} else if (collect(c, src, &v, false) < 0) {
		return PS_THROW;
	}
	if (n->op == PS_OP_ASSIGN)
		return assign_to(c, n->kid[0], v);
	if (eval(c, n->kid[0], &old) < 0)
		return PS_THROW;
	c->cur = n;
	static const int ops[] = {
		[PS_OP_ADD_ASSIGN] = PS_OP_ADD, [PS_OP_SUB_ASSIGN] = PS_OP_SUB,
		[PS_OP_MUL_ASSIGN] = PS_OP_MUL, [PS_OP_DIV_ASSIGN] = PS_OP_DIV,
		[PS_OP_MOD_ASSIGN] = PS_OP_MOD,
	};
	int op = ops[n->op];
	int err = op == PS_OP_ADD ? add_values(c, old, v, &now) : arith(c, op, old, v, &now);
	return err < 0 ? err : assign_to(c, n->kid[0], now);
}

/* ------------------------------------------------------------ commands */

typedef struct {
	const char *alias;
	const char *name;
} ps_alias;

/* PowerShell 2.0's built-in aliases for the cmdlets the model has. */
static const ps_alias aliases[] = {
	{ "%", "ForEach-Object" }, { "foreach", "ForEach-Object" }, { "?", "Where-Object" },
	{ "where", "Where-Object" }, { "select", "Select-Object" }, { "sort", "Sort-Object" },
	{ "gwmi", "Get-WmiObject" }, { "iwmi", "Invoke-WmiMethod" }, { "gc", "Get-Content" },
	{ "type", "Get-Content" }, { "cat", "Get-Content" }, { "sc", "Set-Content" },
	{ "ac", "Add-Content" }, { "cp", "Copy-Item" }, { "copy", "Copy-Item" },
	{ "cpi", "Copy-Item" }, { "ls", "Get-ChildItem" }, { "dir", "Get-ChildItem" },
	{ "gci", "Get-ChildItem" }, { "echo", "Write-Output" }, { "write", "Write-Output" },
	{ "ipmo", "Import-Module" }, { "asnp", "Add-PSSnapin" }, { "sleep", "Start-Sleep" },
	{ "measure", "Measure-Object" }, { "nsn", "New-PSSession" }, { "ipsn", "Import-PSSession" },
};

static const ps_cmdlet *const *const cmdlet_tables[] = {
	ps_builtin_cmdlets, ps_fs_cmdlets, ps_wmi_cmdlets, ps_ad_cmdlets, ps_exchange_cmdlets,
};

/* Whether cmd is one of Exchange's (ps_exchange.c), which a remote
 * session imports. */
static bool is_exchange(const ps_cmdlet *cmd)
{
	for (const ps_cmdlet *const *p = ps_exchange_cmdlets; *p; p++)
		if (*p == cmd)
			return true;
	return false;
}

static const ps_cmdlet *find_cmdlet(ps_ctx *c, const char *name)
{
	for (size_t i = 0; i < CARVE_ARRAY_SIZE(aliases); i++)
		if (!strcasecmp(aliases[i].alias, name)) {
			name = aliases[i].name;
			break;
		}
	for (size_t t = 0; t < CARVE_ARRAY_SIZE(cmdlet_tables); t++)
		for (const ps_cmdlet *const *p = cmdlet_tables[t]; *p; p++)
			if (!strcasecmp((*p)->name, name))
				return !(*p)->available || (*p)->available(c) ? *p : NULL;
	return NULL;
}

static const ps_function *find_function(ps_ctx *c, const char *name)
{
	run_state *rs = state(c);

	for (size_t i = rs->n_fn; i-- > 0;)
		if (!strcasecmp(rs->fn[i].name, name))
			return &rs->fn[i];
	return NULL;
}

static int not_recognized(ps_ctx *c, const char *name)
{
	char category[512];

	snprintf(category, sizeof(category), "ObjectNotFound: (%s:String) [], "
		 "CommandNotFoundException", name);
	return ps_throw_cmd(c, name, "System.Management.Automation.CommandNotFoundException",
			    carve_arena_strdup(&c->arena, category), "CommandNotFoundException",
			    "The term '%s' is not recognized as the name of a cmdlet, function, "
			    "script file, or operable program. Check the spelling of the name, or "
			    "if a path was included, verify that the path is correct and try again.",
			    name);
}

/* One argument as the call site wrote it, evaluated. */
typedef struct {
	const char *name; /* -Name, or NULL for a value */
	pv val;
	bool has_val;     /* -Name:value, or a value */
	const ps_node *node;
} raw_arg;

static int gather_args(ps_ctx *c, const ps_node *cmd, size_t first, raw_arg **out, size_t *n)
{
	size_t cap = 1, k = 0;

	/* a splatted variable gives as many arguments as it holds */
	for (size_t i = first; i < cmd->n; i++) {
		pv v = cmd->kid[i]->op == 2 ? ps_var_get(c, cmd->kid[i]->name) : PV_NULL_VALUE;
		cap += v.k == PV_HASH ? v.u.h->n : v.k == PV_ARRAY ? v.u.a->n : 1;
	}
	raw_arg *a = carve_arena_calloc(&c->arena, cap, sizeof(*a));
	if (!a)
		return ps_throw(c, "System.OutOfMemoryException", "", "OutOfMemory", "out of memory");
	for (size_t i = first; i < cmd->n; i++) {
		const ps_node *arg = cmd->kid[i];
		c->cur = arg;
		if (arg->op == 2) { /* @splat */
			pv v = ps_var_get(c, arg->name);
			if (v.k == PV_HASH) {
				for (size_t e = 0; e < v.u.h->n; e++)
					a[k++] = (raw_arg){ v.u.h->e[e].key, v.u.h->e[e].val, true, arg };
			} else if (v.k == PV_ARRAY) {
				for (size_t e = 0; e < v.u.a->n; e++)
					a[k++] = (raw_arg){ NULL, v.u.a->v[e], true, arg };
			} else if (v.k != PV_NULL) {
				a[k++] = (raw_arg){ NULL, v, true, arg };
			}
			continue;
		}
		raw_arg r = { arg->name, PV_NULL_VALUE, arg->n > 0, arg };
		if (arg->n && eval(c, arg->kid[0], &r.val) < 0)
			return PS_THROW;
		a[k++] = r;
	}
	*out = a;
	*n = k;
	return 0;
}

/* The common parameters; the last two only for cmdlets that support
 * ShouldProcess (about_CommonParameters). */
static const char *const common_params[] = {
	"Verbose", "Debug", "ErrorAction", "WarningAction", "ErrorVariable", "WarningVariable",
	"OutVariable", "OutBuffer", "WhatIf", "Confirm",
};
static const char *const common_aliases[] = {
	"vb", "db", "ea", "wa", "ev", "wv", "ov", "ob", "wi", "cf",
};

/* Finds a parameter by name, alias or unambiguous prefix; -1 for a common
 * parameter (its index in common_params goes to *common), -2 none. */
static int find_param(ps_ctx *c, const ps_cmdlet *cmd, const char *name, int *common,
		      const ps_node *at)
{
	int hit = -2;
	size_t nl = strlen(name);
	carve_buf matches = CARVE_BUF_INIT;
	int count = 0;

	*common = -1;
	/* an exact name or alias wins */
	for (size_t i = 0; i < cmd->n_params; i++) {
		if (!strcasecmp(cmd->params[i].name, name))
			return (int)i;
		const char *al = cmd->params[i].aliases;
		while (al && *al) {
			size_t len = strcspn(al, ",");
			if (len == nl && !strncasecmp(al, name, nl))
				return (int)i;
			al += len + (al[len] == ',');
		}
	}
	size_t n_common = cmd->should_process ? CARVE_ARRAY_SIZE(common_params)
					      : CARVE_ARRAY_SIZE(common_params) - 2;
	for (size_t i = 0; i < n_common; i++)
		if (!strcasecmp(common_params[i], name) || !strcasecmp(common_aliases[i], name)) {
			*common = (int)i;
			return -1;
		}
	for (size_t i = 0; i < cmd->n_params; i++)
		if (!strncasecmp(cmd->params[i].name, name, nl)) {
			carve_buf_printf(&matches, "%s-%s", count ? " " : "", cmd->params[i].name);
			hit = (int)i;
			count++;
		}
	for (size_t i = 0; i < n_common; i++)
		if (!strncasecmp(common_params[i], name, nl)) {
			carve_buf_printf(&matches, "%s-%s", count ? " " : "", common_params[i]);
			*common = (int)i;
			hit = -1;
			count++;
		}
	if (count > 1) {
		c->cur = at;
		char category[256];
		snprintf(category, sizeof(category), "InvalidArgument: (:) [%s], "
			 "ParameterBindingException", cmd->name);
		char id[256];
		snprintf(id, sizeof(id), "AmbiguousParameter,%s", cmd->type_name);
		ps_throw_cmd(c, cmd->name, "System.Management.Automation.ParameterBindingException",
			     carve_arena_strdup(&c->arena, category), carve_arena_strdup(&c->arena, id),
			     "Parameter cannot be processed because the parameter name '%s' is "
			     "ambiguous. Possible matches include: %s.", name, carve_buf_cstr(&matches));
		carve_buf_done(&matches);
		return -3;
	}
	carve_buf_done(&matches);
	if (count == 0)
		*common = -1;
	return hit;
}

static int binding_error(ps_ctx *c, const ps_cmdlet *cmd, const char *id_prefix,
			 const char *message)
{
	char category[256], id[256];

	snprintf(category, sizeof(category), "InvalidArgument: (:) [%s], ParameterBindingException",
		 cmd->name);
	snprintf(id, sizeof(id), "%s,%s", id_prefix, cmd->type_name);
	return ps_throw_cmd(c, cmd->name, "System.Management.Automation.ParameterBindingException",
			    carve_arena_strdup(&c->arena, category), carve_arena_strdup(&c->arena, id),
			    "%s", message);
}

static const char *ptype_name(ps_ptype t)
{
	switch (t) {
	case PP_STRING: return "System.String";
	case PP_STRINGS: return "System.String[]";
	case PP_INT: return "System.Int32";
	case PP_SWITCH: return "System.Management.Automation.SwitchParameter";
	case PP_BLOCK: return "System.Management.Automation.ScriptBlock";
	case PP_CREDENTIAL: return "System.Management.Automation.PSCredential";
	case PP_HASH: return "System.Collections.Hashtable";
	case PP_OBJECTS: return "System.Object[]";
	case PP_BOOL: return "System.Boolean";
	default: return "System.Object";
	}
}

/* Converts v to what parameter p takes. */
static int convert_arg(ps_ctx *c, const ps_cmdlet *cmd, const ps_param *p, pv v, pv *out)
{
	char msg[1024];

	switch (p->type) {
	case PP_STRING:
		if (v.k == PV_ARRAY && v.u.a->n != 1) {
			snprintf(msg, sizeof(msg), "Cannot convert 'System.Object[]' to the type "
				 "'System.String' required by parameter '%s'. Specified method is not "
				 "supported.", p->name);
			return binding_error(c, cmd, "CannotConvertArgument", msg);
		}
		*out = pv_str(c, pv_to_str(c, v.k == PV_ARRAY ? v.u.a->v[0] : v));
		return 0;
	case PP_STRINGS: {
		ps_array *a = ps_array_new(c);
		if (v.k == PV_ARRAY)
			for (size_t i = 0; i < v.u.a->n; i++)
				ps_array_push(c, a, pv_str(c, pv_to_str(c, v.u.a->v[i])));
		else if (v.k != PV_NULL)
			ps_array_push(c, a, pv_str(c, pv_to_str(c, v)));
		*out = pv_array(a);
		return 0;
	}
	case PP_INT: {
		int64_t i;
		if (pv_to_int(c, v, &i) < 0) {
			c->error_pending = false;
			snprintf(msg, sizeof(msg), "Cannot bind parameter '%s'. Cannot convert value "
				 "\"%s\" to type \"System.Int32\". Error: \"Input string was not in a "
				 "correct format.\"", p->name, pv_to_str(c, v));
			return binding_error(c, cmd, "CannotConvertArgumentNoMessage", msg);
		}
		*out = pv_int(i);
		return 0;
	}
	case PP_SWITCH:
	case PP_BOOL:
		*out = pv_bool(pv_truthy(v));
		return 0;
	case PP_BLOCK:
		if (v.k != PV_BLOCK) {
			snprintf(msg, sizeof(msg), "Cannot bind parameter '%s'. Cannot convert the "
				 "\"%s\" value of type \"%s\" to type \"System.Management.Automation."
				 "ScriptBlock\".", p->name, pv_to_str(c, v), pv_type_name(v));
			return binding_error(c, cmd, "CannotConvertArgumentNoMessage", msg);
		}
		*out = v;
		return 0;
	case PP_CREDENTIAL:
		if (v.k != PV_OBJ || v.u.o->cls != &ps_class_credential) {
			/* a user name would make PowerShell prompt for the password,
			 * which -NonInteractive forbids */
			snprintf(msg, sizeof(msg), "Cannot process argument transformation on parameter "
				 "'%s'. A command that prompts the user failed because the host program "
				 "or the command type does not support user interaction. Try a host "
				 "program that supports user interaction, such as the Windows PowerShell "
				 "Console or Windows PowerShell ISE, and remove prompt-related commands "
				 "from command types that do not support user interaction, such as "
				 "Windows PowerShell workflows.", p->name);
			return binding_error(c, cmd, "ParameterArgumentTransformationError", msg);
		}
		*out = v;
		return 0;
	case PP_HASH:
		if (v.k != PV_HASH) {
			snprintf(msg, sizeof(msg), "Cannot bind parameter '%s'. Cannot convert the "
				 "\"%s\" value of type \"%s\" to type \"System.Collections.Hashtable\".",
				 p->name, pv_to_str(c, v), pv_type_name(v));
			return binding_error(c, cmd, "CannotConvertArgumentNoMessage", msg);
		}
		*out = v;
		return 0;
	default:
		*out = v;
		return 0;
	}
}

static bool in_set(const ps_param *p, int set)
{
	return p->sets == 0 || (p->sets & (1u << set));
}

/* How many parameters of set, not given by name, take a position. */
static size_t positional_slots(const ps_cmdlet *cmd, const ps_call *call, int set)
{
	size_t n = 0;

	for (size_t k = 0; k < cmd->n_params; k++)
		n += cmd->params[k].position >= 0 && !call->b[k].given && in_set(&cmd->params[k], set);
	return n;
}

static int set_count(const ps_cmdlet *cmd)
{
	int n = 0;

	while (cmd->sets && cmd->sets[n])
		n++;
	return n ? n : 1;
}

/*
 * Binds the call's arguments to cmd's parameters the way PowerShell's
 * parameter binder does: named ones first (exact name, alias, or a prefix
 * no other parameter shares), then the parameter set (one that holds every
 * named parameter; the default when several do), then positional values in
 * position order, then the mandatory check.
 */
static int bind(ps_ctx *c, const ps_cmdlet *cmd, const ps_node *node, raw_arg *args, size_t n,
		bool has_input, ps_call *call)
{
	char msg[1024];
	bool *used = carve_arena_calloc(&c->arena, n ? n : 1, sizeof(bool));

	call->cmd = cmd;
	call->node = node;
	c->cur = node; /* a binding error points at the command */
	call->b = carve_arena_calloc(&c->arena, cmd->n_params ? cmd->n_params : 1, sizeof(ps_bound));
	call->error_action = error_preference(c);
	for (size_t i = 0; i < cmd->n_params; i++)
		call->b[i].param = &cmd->params[i];
	for (size_t i = 0; i < n; i++) {
		if (!args[i].name)
			continue;
		int common;
		int pi = find_param(c, cmd, args[i].name, &common, node);
		if (pi == -3)
			return PS_THROW;
		used[i] = true;
		if (pi == -2) {
			snprintf(msg, sizeof(msg), "A parameter cannot be found that matches parameter "
				 "name '%s'.", args[i].name);
			return binding_error(c, cmd, "NamedParameterNotFound", msg);
		}
		const ps_param *p = pi >= 0 ? &cmd->params[pi] : NULL;
		bool is_switch = p ? p->type == PP_SWITCH
			       : (common != 2 && common != 3 && common != 4 && common != 5 &&
				  common != 6 && common != 7);
		pv val = pv_bool(true);
		if (args[i].has_val) {
			val = args[i].val;
		} else if (!is_switch) {
			/* -Name value: the next argument is its value */
			if (i + 1 < n && !args[i + 1].name) {
				val = args[i + 1].val;
				used[++i] = true;
			} else {
				snprintf(msg, sizeof(msg), "Missing an argument for parameter '%s'. Specify "
					 "a parameter of type '%s' and try again.", p ? p->name
					 : common_params[common], p ? ptype_name(p->type) : "System.Object");
				return binding_error(c, cmd, "MissingArgument", msg);
			}
		}
		if (!p) {
			if (common == 9) /* Confirm */
				call->no_confirm = !pv_truthy(val);
			if (common == 2) { /* ErrorAction */
				const char *ea = pv_to_str(c, val);
				call->error_action = !strcasecmp(ea, "Stop") ? PS_EA_STOP
						     : !strcasecmp(ea, "SilentlyContinue") ? PS_EA_SILENT
						     : !strcasecmp(ea, "Continue") ? PS_EA_CONTINUE : -1;
				if (call->error_action < 0) {
					snprintf(msg, sizeof(msg), "Cannot bind parameter 'ErrorAction'. "
						 "Cannot convert value \"%s\" to type \"System.Management."
						 "Automation.ActionPreference\" due to invalid enumeration "
						 "values. Specify one of the following enumeration values and try "
						 "again. The possible enumeration values are \"SilentlyContinue, "
						 "Stop, Continue, Inquire\".", ea);
					return binding_error(c, cmd, "CannotConvertArgumentNoMessage", msg);
				}
			}
			continue;
		}
		ps_bound *b = &call->b[pi];
		if (b->given) {
			snprintf(msg, sizeof(msg), "Cannot bind parameter because parameter '%s' is "
				 "specified more than once. To provide multiple values to parameters that "
				 "can accept multiple values, use the array syntax. For example, "
				 "\"-parameter value1,value2,value3\".", p->name);
			return binding_error(c, cmd, "ParameterAlreadyBound", msg);
		}
		if (convert_arg(c, cmd, p, val, &b->val) < 0)
			return PS_THROW;
		b->given = true;
	}
	/* the parameter set: one that has every parameter given by name */
	int sets = set_count(cmd), chosen = -1, candidates = 0;
	for (int s = 0; s < sets; s++) {
		bool fits = true;
		for (size_t i = 0; i < cmd->n_params && fits; i++)
			fits = !call->b[i].given || in_set(&cmd->params[i], s);
		if (fits) {
			candidates++;
			if (chosen < 0 || s == cmd->default_set)
				chosen = s;
		}
	}
	if (candidates > 1 && chosen != cmd->default_set) {
		/* only a mandatory parameter set by name can tell them apart */
		int best = -1, n_best = 0;
		for (int s = 0; s < sets; s++) {
			bool fits = true, anchored = false;
			for (size_t i = 0; i < cmd->n_params && fits; i++) {
				fits = !call->b[i].given || in_set(&cmd->params[i], s);
				anchored |= call->b[i].given && cmd->params[i].sets == (1u << s);
			}
			if (fits && anchored)
				best = s, n_best++;
		}
		if (n_best == 1)
			chosen = best;
		else
			chosen = -1;
	}
	/* positional arguments narrow the sets too: "Get-ADUser alice" binds
	 * -Identity, the one set with a parameter at position 0, though the
	 * default set is Filter (PowerShell binds positions before it settles
	 * on a set; about_Parameter_Sets) */
	size_t positional = 0;
	for (size_t i = 0; i < n; i++)
		positional += !used[i] && !args[i].name;
	if (chosen >= 0 && positional && positional_slots(cmd, call, chosen) < positional) {
		int taker = -1, takers = 0;
		for (int s = 0; s < sets; s++) {
			bool fits = true;
			for (size_t i = 0; i < cmd->n_params && fits; i++)
				fits = !call->b[i].given || in_set(&cmd->params[i], s);
			if (fits && positional_slots(cmd, call, s) >= positional)
				taker = s, takers++;
		}
		if (takers == 1)
			chosen = taker;
	}
	if (chosen < 0) {
		c->cur = node;
		return binding_error(c, cmd, "AmbiguousParameterSet", "Parameter set cannot be "
				     "resolved using the specified named parameters.");
	}
	call->set = chosen;
	/* positional values in position order */
	for (size_t i = 0; i < n; i++) {
		if (used[i] || args[i].name)
			continue;
		int best = -1;
		for (size_t k = 0; k < cmd->n_params; k++) {
			const ps_param *p = &cmd->params[k];
			if (p->position < 0 || call->b[k].given || !in_set(p, chosen))
				continue;
			if (best < 0 || p->position < cmd->params[best].position)
				best = (int)k;
		}
		if (best < 0) {
			snprintf(msg, sizeof(msg), "A positional parameter cannot be found that accepts "
				 "argument '%s'.", pv_to_str(c, args[i].val));
			return binding_error(c, cmd, "PositionalParameterNotFound", msg);
		}
		if (convert_arg(c, cmd, &cmd->params[best], args[i].val, &call->b[best].val) < 0)
			return PS_THROW;
		call->b[best].given = true;
	}
	/* mandatory parameters of the set */
	carve_buf missing = CARVE_BUF_INIT;
	for (size_t k = 0; k < cmd->n_params; k++) {
		const ps_param *p = &cmd->params[k];
		if (!(p->mandatory & (1u << chosen)) || call->b[k].given || (p->pipeline && has_input))
			continue;
		carve_buf_printf(&missing, "%s%s", missing.len ? " " : "", p->name);
	}
	if (missing.len) {
		/* -NonInteractive: PowerShell cannot ask for them */
		c->cur = node;
		snprintf(msg, sizeof(msg), "Cannot process command because of one or more missing "
			 "mandatory parameters: %s.", carve_buf_cstr(&missing));
		carve_buf_done(&missing);
		return binding_error(c, cmd, "MissingMandatoryParameter", msg);
	}
	carve_buf_done(&missing);
	return 0;
}

const pv *ps_arg(const ps_call *call, const char *name)
{
	for (size_t i = 0; i < call->cmd->n_params; i++)
		if (!strcasecmp(call->cmd->params[i].name, name))
			return call->b[i].given ? &call->b[i].val : NULL;
	return NULL;
}

const char *ps_arg_str(ps_ctx *c, const ps_call *call, const char *name)
{
	const pv *v = ps_arg(call, name);

	return v ? pv_to_str(c, *v) : NULL;
}

bool ps_arg_switch(const ps_call *call, const char *name)
{
	const pv *v = ps_arg(call, name);

	return v && pv_truthy(*v);
}

/* A native program: its arguments as strings, as PowerShell 2.0 passes
 * them (an array argument becomes several). */
static int run_native(ps_ctx *c, ps_native_fn fn, raw_arg *args, size_t n, pv_list *out)
{
	size_t cap = 1, argc = 0;

	for (size_t i = 0; i < n; i++)
		cap += !args[i].name && args[i].val.k == PV_ARRAY ? args[i].val.u.a->n : 1;
	const char **argv = carve_arena_calloc(&c->arena, cap, sizeof(char *));
	if (!argv)
		return ps_throw(c, "System.OutOfMemoryException", "", "OutOfMemory", "out of memory");
	for (size_t i = 0; i < n; i++) {
		if (args[i].name) {
			/* -Name passed on verbatim, with its value when written -Name:v */
			carve_buf b = CARVE_BUF_INIT;
			carve_buf_printf(&b, "-%s", args[i].name);
			if (args[i].has_val)
				carve_buf_printf(&b, ":%s", pv_to_str(c, args[i].val));
			argv[argc++] = carve_arena_strdup(&c->arena, carve_buf_cstr(&b));
			carve_buf_done(&b);
			continue;
		}
		if (args[i].val.k == PV_ARRAY) {
			ps_array *a = args[i].val.u.a;
			for (size_t k = 0; k < a->n; k++)
				argv[argc++] = pv_to_str(c, a->v[k]);
		} else {
			argv[argc++] = pv_to_str(c, args[i].val);
		}
	}
	run_state *rs = state(c);
	int64_t before = c->exit_status;
	int err = fn(c, argv, argc, out);
	rs->last_exit_code = c->exit_status;
	rs->last_ok = c->exit_status == 0;
	c->exit_status = (int)before;
	return err;
}

static int call_function(ps_ctx *c, const ps_node *sb, raw_arg *args, size_t n, pv item,
			 bool has_item, pv_list *out)
{
	ps_scope *saved = c->scope, *s = scope_new(c, c->scope);

	if (!s)
		return ps_throw(c, "System.OutOfMemoryException", "", "OutOfMemory", "out of memory");
	c->scope = s;
	ps_array *rest = ps_array_new(c);
	const char *names = sb->name ? sb->name : "";
	/* param() names bind by name or position; the rest is $args */
	size_t pos_index = 0;
	for (size_t i = 0; i < n; i++) {
		if (args[i].name) {
			char key[128];
			snprintf(key, sizeof(key), "%s", args[i].name);
			for (char *p = key; *p; p++)
				*p = (char)tolower((unsigned char)*p);
			pv v = args[i].has_val ? args[i].val
			       : i + 1 < n && !args[i + 1].name ? args[++i].val : pv_bool(true);
			ps_var_set(c, key, v);
			continue;
		}
		const char *p = names;
		size_t k = 0;
		while (*p && k < pos_index) {
			p += strcspn(p, ",");
			p += *p == ',';
			k++;
		}
		if (*p) {
			char key[128];
			size_t len = strcspn(p, ",");
			snprintf(key, sizeof(key), "%.*s", (int)len, p);
			if (ps_var_get(c, key).k == PV_NULL || !scope_find(s, key)) {
				ps_var_set(c, key, args[i].val);
				pos_index++;
				continue;
			}
		}
		ps_array_push(c, rest, args[i].val);
	}
	ps_var_set(c, "args", pv_array(rest));
	if (has_item)
		ps_var_set(c, "_", item);
	int err = exec_block(c, sb->kid[0], out);
	c->scope = saved;
	if (err == PS_RETURN_SIG)
		err = 0;
	return err;
}

static int run_command(ps_ctx *c, const ps_node *cmd, const pv_list *in, pv_list *out)
{
	const char *name = cmd->name;
	raw_arg *args;
	size_t n;
	pv target = PV_NULL_VALUE;

	c->cur = cmd;
	if (!name) {
		if (eval(c, cmd->kid[0], &target) < 0)
			return PS_THROW;
		c->cur = cmd;
		if (target.k == PV_BLOCK) {
			if (gather_args(c, cmd, 1, &args, &n) < 0)
				return PS_THROW;
			return call_function(c, target.u.blk, args, n, PV_NULL_VALUE, false, out);
		}
		name = pv_to_str(c, target);
	}
	if (gather_args(c, cmd, name == cmd->name ? 0 : 1, &args, &n) < 0)
		return PS_THROW;
	c->cur = cmd;
	const ps_function *fn = find_function(c, name);
	if (fn) {
		if (!in || !in->n)
			return call_function(c, fn->block, args, n, PV_NULL_VALUE, false, out);
		for (size_t i = 0; i < in->n; i++)
			if (call_function(c, fn->block, args, n, in->v[i], true, out) < 0)
				return PS_THROW;
		return 0;
	}
	const ps_cmdlet *cmdlet = find_cmdlet(c, name);
	c->ran_remote = false;
	if (cmdlet && c->exchange_remote && cmdlet->available && cmdlet->available(c) &&
	    is_exchange(cmdlet)) {
		/* An imported command runs in the server's one runspace, which
		 * runs one pipeline at a time: Exchange 2010 PowerShell
		 * Cookbook, "Dealing with concurrent pipelines in remote
		 * PowerShell" (Get-Mailbox | ForEach-Object { Set-Mailbox }
		 * fails so). */
		if (c->remote_busy)
			return ps_throw_cmd(c, cmdlet->name,
					    "System.Management.Automation.PSInvalidOperationException",
					    "OperationStopped: (Microsoft.Power...tHelperRunspace:"
					    "ExecutionCmdletHelperRunspace) [], "
					    "PSInvalidOperationException", "RemotePipelineExecutionFailed",
					    "Pipeline not executed because a pipeline is already "
					    "executing. Pipelines cannot be executed concurrently.");
		c->ran_remote = true;
	}
	if (cmdlet) {
		ps_call call;
		memset(&call, 0, sizeof(call));
		if (bind(c, cmdlet, cmd, args, n, in && in->n, &call) < 0)
			return PS_THROW;
		c->cur = cmd;
		call.piped = in != NULL;
		state(c)->last_ok = true;
		static const pv_list empty = { 0 };
		return cmdlet->run(c, &call, in ? in : &empty, out);
	}
	ps_native_fn native = ps_admt_native(c, name);
	if (native)
		return run_native(c, native, args, n, out);
	return not_recognized(c, name);
}

static int exec_pipeline(ps_ctx *c, const ps_node *n, pv_list *out)
{
	run_state *rs = state(c);
	pv_list cur = { 0 };
	int err = 0;
	pv_list *saved_sink = rs->error_sink;

	if (n->op & PS_REDIR_ERR_NULL)
		rs->suppress_errors++;
	if (n->op & PS_REDIR_ERR_TO_OUT)
		rs->error_sink = &cur;
	rs->last_ok = true;
	bool busy = false; /* this pipeline holds the remote session */
	for (size_t i = 0; i < n->n && !err; i++) {
		const ps_node *el = n->kid[i];
		pv_list next = { 0 };
		if (rs->error_sink == &cur)
			rs->error_sink = &next;
		if (el->k == PN_COMMAND) {
			err = run_command(c, el, i ? &cur : NULL, &next);
			/* The model does not stream: the first command's output
			 * is whole, and the session stays busy while the rest of
			 * the pipeline consumes it, as it would. */
			if (i == 0 && c->ran_remote && n->n > 1 && !busy) {
				busy = true;
				c->remote_busy++;
			}
		} else {
			pv v;
			/* $i++ as a statement writes nothing */
			if ((err = eval(c, el, &v)) == 0 && el->k != PE_INCDEC)
				pv_list_write(c, &next, v);
		}
		cur = next;
		if (rs->error_sink == &next)
			rs->error_sink = &cur;
	}
	if (busy)
		c->remote_busy--;
	if (n->op & PS_REDIR_ERR_NULL)
		rs->suppress_errors--;
	rs->error_sink = saved_sink;
	if (err)
		return err;
	if (!(n->op & PS_REDIR_OUT_NULL))
		for (size_t i = 0; i < cur.n; i++)
			pv_list_push(c, out, cur.v[i]);
	return 0;
}

int ps_invoke_block(ps_ctx *c, const ps_node *block, pv item, pv_list *out)
{
	pv saved = ps_var_get(c, "_");
	ps_var *local = scope_find(c->scope, "_");

	ps_var_set(c, "_", item);
	int err = exec_block(c, block->kid[0], out);
	if (local)
		ps_var_set(c, "_", saved);
	if (err == PS_RETURN_SIG) /* return in a ForEach-Object block ends that item */
		err = 0;
	return err;
}

/* ------------------------------------------------------------ statements */

/* The values foreach walks: PowerShell 2.0 runs the body once for $null. */
static void loop_items(ps_ctx *c, pv v, pv_list *items)
{
	if (v.k == PV_ARRAY)
		pv_list_write(c, items, v);
	else
		pv_list_push(c, items, v);
}

static int exec_loop_body(ps_ctx *c, const ps_node *body, pv_list *out, bool *stop)
{
	int err = exec_block(c, body, out);

	*stop = false;
	if (err == PS_BREAK_SIG) {
		*stop = true;
		return 0;
	}
	if (err == PS_CONTINUE_SIG)
		return 0;
	return err;
}

static bool catch_matches(ps_ctx *c, const ps_node *catch_node)
{
	if (!catch_node->name)
		return true;
	const char *types = catch_node->name, *exc = c->error.exception ? c->error.exception : "";
	while (*types) {
		size_t len = strcspn(types, ",");
		char t[256];
		snprintf(t, sizeof(t), "%.*s", (int)len, types);
		const char *bare = strncasecmp(t, "System.", 7) ? t : t + 7;
		const char *ebare = strncasecmp(exc, "System.", 7) ? exc : exc + 7;
		if (!strcasecmp(bare, "Exception") || !strcasecmp(bare, ebare) ||
		    (!strcasecmp(bare, "Management.Automation.RuntimeException") &&
		     strstr(exc, "Automation")))
			return true;
		types += len + (types[len] == ',');
	}
	return false;
}

static int exec_try(ps_ctx *c, const ps_node *n, pv_list *out)
{
	run_state *rs = state(c);
	const ps_node *fin = n->kid[n->n - 1];

	rs->try_depth++;
	int err = exec_block(c, n->kid[0], out);
	rs->try_depth--;
	if (err == PS_THROW) {
		for (size_t i = 1; i + 1 < n->n; i++) {
			const ps_node *ct = n->kid[i];
			if (!catch_matches(c, ct))
				continue;
			ps_error caught = c->error;
			c->error_pending = false;
			pv saved = ps_var_get(c, "_");
			ps_var_set(c, "_", error_value(c, &caught));
			err = exec_block(c, ct->kid[0], out);
			ps_var_set(c, "_", saved);
			break;
		}
	}
	if (fin) {
		ps_error pending = c->error;
		bool was_pending = c->error_pending;
		int ferr = exec_block(c, fin, out);
		if (ferr)
			return ferr;
		c->error = pending;
		c->error_pending = was_pending;
	}
	return err;
}

static int exec_foreach(ps_ctx *c, const ps_node *n, pv_list *out)
{
	pv coll;
	pv_list items = { 0 };
	bool stop;

	const ps_node *src = n->kid[0];
	if (src->k == PN_PIPELINE && src->n == 1 && src->kid[0]->k != PN_COMMAND) {
		/* an expression: $null is one item, an empty array none */
		if (eval(c, src->kid[0], &coll) < 0)
			return PS_THROW;
		loop_items(c, coll, &items);
	} else {
		if (exec_statement(c, src, &items) < 0)
			return PS_THROW;
	}
	for (size_t i = 0; i < items.n; i++) {
		ps_var_set(c, n->name, items.v[i]);
		int err = exec_loop_body(c, n->kid[1], out, &stop);
		if (err || stop)
			return err;
	}
	return 0;
}

static int condition(ps_ctx *c, const ps_node *cond, bool *holds)
{
	pv v;

	if (!cond) {
		*holds = true;
		return 0;
	}
	if (collect(c, cond, &v, false) < 0)
		return PS_THROW;
	*holds = pv_truthy(v);
	return 0;
}

static int exec_statement(ps_ctx *c, const ps_node *n, pv_list *out)
{
	bool holds, stop;
	int err;
	pv v;

	if (ps_step(c) < 0)
		return PS_THROW;
	c->cur = n;
	switch (n->k) {
	case PN_BLOCK:
		return exec_block(c, n, out);
	case PN_PIPELINE:
		return exec_pipeline(c, n, out);
	case PN_ASSIGN:
		return exec_assign(c, n);
	case PN_IF:
		for (size_t i = 0; i + 1 < n->n; i += 2) {
			if (condition(c, n->kid[i], &holds) < 0)
				return PS_THROW;
			if (holds)
				return exec_block(c, n->kid[i + 1], out);
		}
		return n->n % 2 ? exec_block(c, n->kid[n->n - 1], out) : 0;
	case PN_FOREACH:
		return exec_foreach(c, n, out);
	case PN_WHILE:
		for (;;) {
			if (condition(c, n->kid[0], &holds) < 0)
				return PS_THROW;
			if (!holds)
				return 0;
			if ((err = exec_loop_body(c, n->kid[1], out, &stop)) || stop)
				return err;
		}
	case PN_DO:
		for (;;) {
			if ((err = exec_loop_body(c, n->kid[0], out, &stop)) || stop)
				return err;
			if (condition(c, n->kid[1], &holds) < 0)
				return PS_THROW;
			if (holds == (n->op != 0))
				return 0;
		}
	case PN_FOR:
		if (n->kid[0] && exec_statement(c, n->kid[0], out) < 0)
			return PS_THROW;
		for (;;) {
			if (condition(c, n->kid[1], &holds) < 0)
				return PS_THROW;
			if (!holds)
				return 0;
			if ((err = exec_loop_body(c, n->kid[3], out, &stop)) || stop)
				return err;
			if (n->kid[2] && exec_statement(c, n->kid[2], out) < 0)
				return PS_THROW;
		}
	case PN_TRY:
		return exec_try(c, n, out);
	case PN_THROW: {
		if (n->n && collect(c, n->kid[0], &v, false) < 0)
			return PS_THROW;
		c->cur = n;
		if (v.k == PV_OBJ && v.u.o->cls == &ps_class_error) {
			pv msg, ex;
			ps_member_get(c, v, "Exception", &ex);
			ps_member_get(c, ex, "Message", &msg);
			ps_throw(c, (const char *)v.u.o->data, "OperationStopped: (:) [], RuntimeException",
				 "ScriptHalted", "%s", pv_to_str(c, msg));
		} else {
			const char *msg = n->n ? pv_to_str(c, v) : "ScriptHalted";
			char category[512];
			snprintf(category, sizeof(category), "OperationStopped: (%s:String) [], "
				 "RuntimeException", msg);
			ps_throw(c, "System.Management.Automation.RuntimeException",
				 carve_arena_strdup(&c->arena, category), msg, "%s", msg);
		}
		c->error.end = n->pos + 5;
		c->error.target = pv_bool(true); /* marks a throw: it always stops the script */
		return PS_THROW;
	}
	case PN_RETURN:
		if (n->n && exec_statement(c, n->kid[0], out) < 0)
			return PS_THROW;
		return PS_RETURN_SIG;
	case PN_EXIT: {
		int64_t code = 0;
		if (n->n) {
			if (collect(c, n->kid[0], &v, false) < 0 || pv_to_int(c, v, &code) < 0)
				return PS_THROW;
		}
		c->exit_status = (int)code;
		return PS_EXIT_SIG;
	}
	case PN_BREAK:
		return PS_BREAK_SIG;
	case PN_CONTINUE:
		return PS_CONTINUE_SIG;
	case PN_FUNCTION: {
		run_state *rs = state(c);
		if (rs->n_fn == rs->cap_fn) {
			size_t cap = rs->cap_fn ? rs->cap_fn * 2 : 8;
			ps_function *f = carve_arena_alloc(&c->arena, cap * sizeof(*f));
			if (!f)
				return PS_THROW;
			if (rs->n_fn)
				memcpy(f, rs->fn, rs->n_fn * sizeof(*f));
			rs->fn = f;
			rs->cap_fn = cap;
		}
		rs->fn[rs->n_fn++] = (ps_function){ n->name, n->kid[0] };
		return 0;
	}
	default: {
		pv val;
		if (eval(c, n, &val) < 0)
			return PS_THROW;
		pv_list_write(c, out, val);
		return 0;
	}
	}
}

/* A statement's error: stops the script (under Stop, in a try, or for a
 * throw) or is printed and the next statement runs. */
static int statement_failed(ps_ctx *c)
{
	run_state *rs = state(c);
	bool thrown = c->error.target.k == PV_BOOL && c->error.target.u.b;

	rs->last_ok = false;
	if (rs->try_depth || thrown || error_preference(c) == PS_EA_STOP)
		return PS_THROW;
	if (error_preference(c) != PS_EA_SILENT && !rs->suppress_errors)
		print_error(c, &c->error);
	c->error_pending = false;
	return 0;
}

static int exec_block(ps_ctx *c, const ps_node *block, pv_list *out)
{
	for (size_t i = 0; i < block->n; i++) {
		int err = exec_statement(c, block->kid[i], out);
		if (err == PS_THROW)
			err = statement_failed(c);
		if (err)
			return err;
	}
	return 0;
}

/* ------------------------------------------------------------ output */

/* What the host prints for a value (Out-Default). */
static void format_value(ps_ctx *c, carve_buf *b, pv v)
{
	switch (v.k) {
	case PV_NULL:
		return;
	case PV_HASH: {
		size_t w = 4;
		for (size_t i = 0; i < v.u.h->n; i++)
			if (strlen(v.u.h->e[i].key) > w)
				w = strlen(v.u.h->e[i].key);
		carve_buf_printf(b, "\r\n%-*s Value\r\n%-*s -----\r\n", (int)w, "Name", (int)w, "----");
		for (size_t i = 0; i < v.u.h->n; i++)
			carve_buf_printf(b, "%-*s %s\r\n", (int)w, v.u.h->e[i].key,
					 pv_to_str(c, v.u.h->e[i].val));
		carve_buf_puts(b, "\r\n");
		return;
	}
	case PV_OBJ:
		if (v.u.o->cls->as_list) {
			size_t w = 0;
			for (size_t i = 0; i < v.u.o->n; i++)
				if (strlen(v.u.o->props[i].name) > w)
					w = strlen(v.u.o->props[i].name);
			carve_buf_puts(b, "\r\n");
			for (size_t i = 0; i < v.u.o->n; i++)
				carve_buf_printf(b, "%-*s : %s\r\n", (int)w, v.u.o->props[i].name,
						 pv_to_str(c, v.u.o->props[i].val));
			carve_buf_puts(b, "\r\n");
			return;
		}
		/* fall through */
	default:
		carve_buf_printf(b, "%s\r\n", pv_to_str(c, v));
	}
}

/* powershell.exe writes to a pipe in the console's OEM code page (437 on a
 * US English Windows): the Latin-1 letters it has, '?' for the rest. */
static void put_oem(carve_buf *out, const char *s, size_t len)
{
	static const struct { uint32_t cp; unsigned char oem; } map[] = {
		{ 0xC7, 0x80 }, { 0xFC, 0x81 }, { 0xE9, 0x82 }, { 0xE2, 0x83 }, { 0xE4, 0x84 },
		{ 0xE0, 0x85 }, { 0xE5, 0x86 }, { 0xE7, 0x87 }, { 0xEA, 0x88 }, { 0xEB, 0x89 },
		{ 0xE8, 0x8A }, { 0xEF, 0x8B }, { 0xEE, 0x8C }, { 0xEC, 0x8D }, { 0xC4, 0x8E },
		{ 0xC5, 0x8F }, { 0xC9, 0x90 }, { 0xE6, 0x91 }, { 0xC6, 0x92 }, { 0xF4, 0x93 },
		{ 0xF6, 0x94 }, { 0xF2, 0x95 }, { 0xFB, 0x96 }, { 0xF9, 0x97 }, { 0xFF, 0x98 },
		{ 0xD6, 0x99 }, { 0xDC, 0x9A }, { 0xE1, 0xA0 }, { 0xED, 0xA1 }, { 0xF3, 0xA2 },
		{ 0xFA, 0xA3 }, { 0xF1, 0xA4 }, { 0xD1, 0xA5 }, { 0xDF, 0xE1 },
	};
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = carve_winps_utf8_decode(&cp, u + i, len - i);
		if (n == 0) {
			carve_buf_putc(out, '?');
			i++;
			continue;
		}
		i += n;
		if (cp < 0x80) {
			carve_buf_putc(out, (char)cp);
			continue;
		}
		char oem = '?';
		for (size_t k = 0; k < CARVE_ARRAY_SIZE(map); k++)
			if (map[k].cp == cp)
				oem = (char)map[k].oem;
		carve_buf_putc(out, oem);
	}
}

/* ------------------------------------------------------------ the run */

/* A new powershell.exe's session: its global scope and automatic
 * variables; $input holds the lines of stdin. */
static void session_init(ps_ctx *c, run_state *rs, const ps_env *env, const char *input,
			 size_t input_len)
{
	memset(c, 0, sizeof(*c));
	memset(rs, 0, sizeof(*rs));
	carve_arena_init(&c->arena, 64 * 1024);
	c->env = env;
	c->input = input;
	c->input_len = input_len;
	c->scope = scope_new(c, NULL);
	rs->last_ok = true;
	c->run = rs;
	scope_set(c, c->scope, "erroractionpreference", pv_str(c, "Continue"));
	scope_set(c, c->scope, "pid", pv_int(4242));
	ps_hash *version = ps_hash_new(c);
	ps_hash_set(c, version, "PSVersion", pv_str(c, "2.0"));
	ps_hash_set(c, version, "CLRVersion", pv_str(c, "2.0.50727.5420"));
	scope_set(c, c->scope, "psversiontable", (pv){ .k = PV_HASH, .u.h = version });
	/* powershell.exe -Command reads a redirected stdin as $input, a line
	 * a string (about_Automatic_Variables; see [Console]::In in
	 * ps_builtin.c) */
	ps_array *lines = ps_array_new(c);
	for (size_t i = 0; i < c->input_len;) {
		size_t e = i;
		while (e < c->input_len && c->input[e] != '\n')
			e++;
		size_t n = e - i;
		if (n && c->input[i + n - 1] == '\r')
			n--;
		ps_array_push(c, lines, pv_strn(c, c->input + i, n));
		i = e + 1;
	}
	scope_set(c, c->scope, "input", pv_array(lines));
}

/* Parses and runs script (len bytes, in the arena) as the session's next
 * input, writing its output and errors as the host does.  *parsed is false
 * when it did not parse (the error printed). */
static int run_text(ps_ctx *c, const char *script, size_t len, bool *parsed)
{
	carve_buf text = CARVE_BUF_INIT, errs = CARVE_BUF_INIT;
	carve_buf *out = c->out, *err = c->err;
	pv_list output = { 0 };
	ps_node *root;
	run_state *rs = c->run;

	c->src = script;
	c->src_len = len;
	c->out = &text;
	c->err = &errs;
	rs->last_ok = true;
	int rc = ps_parse(&root, c, script, len);
	*parsed = rc == 0;
	if (rc == 0)
		rc = exec_block(c, root, &output);
	if (rc == PS_THROW)
		print_error(c, &c->error);
	for (size_t i = 0; i < output.n; i++)
		format_value(c, &text, output.v[i]);
	put_oem(out, text.ptr ? text.ptr : "", text.len);
	put_oem(err, errs.ptr ? errs.ptr : "", errs.len);
	carve_buf_done(&text);
	carve_buf_done(&errs);
	c->out = out;
	c->err = err;
	return rc;
}

void ps_run(carve_buf *out, carve_buf *err, int *exit_status, bool *reboot, const ps_env *env,
	    const char *script)
{
	ps_ctx c;
	run_state rs;
	bool parsed;

	session_init(&c, &rs, env, env->session ? env->session->input : NULL,
		     env->session ? env->session->input_len : 0);
	c.out = out;
	c.err = err;
	int rc = run_text(&c, script, strlen(script), &parsed);
	if (!parsed || rc == PS_THROW)
		c.exit_status = 1;
	else if (rc != PS_EXIT_SIG)
		c.exit_status = rs.last_ok ? 0 : 1;
	*exit_status = c.exit_status;
	*reboot = c.reboot;
	carve_arena_done(&c.arena);
}

int ps_run_nested(ps_ctx *c, const char *script, pv_list *out)
{
	const char *src = c->src;
	size_t src_len = c->src_len;
	size_t len = strlen(script);
	const char *copy = carve_arena_strndup(&c->arena, script, len);
	ps_node *root;
	int rc;

	if (!copy)
		return ps_throw(c, "System.OutOfMemoryException", "", "OutOfMemory",
				"carve-lab ran out of memory");
	/* positions in what it runs are positions in its own text */
	c->src = copy;
	c->src_len = len;
	rc = ps_parse(&root, c, copy, len);
	if (rc == 0)
		rc = exec_block(c, root, out);
	c->src = src;
	c->src_len = src_len;
	return rc;
}

/* ------------------------------------------- powershell.exe -Command - */

struct ps_host {
	ps_ctx c;
	run_state rs;
	carve_buf block;   /* a statement that needs more lines */
	bool in_block;
	bool ended;        /* exit ran: the process is gone */
};

ps_host *ps_host_new(const ps_env *env)
{
	ps_host *h = calloc(1, sizeof(*h));

	if (h)
		session_init(&h->c, &h->rs, env, NULL, 0);
	return h;
}

/* Runs text (a complete statement, or one that does not parse) as typed
 * input; exit ends the session. */
static void host_run(ps_host *h, carve_buf *out, carve_buf *err, const char *text, size_t len)
{
	ps_ctx *c = &h->c;
	char *copy = carve_arena_strndup(&c->arena, text, len);
	bool parsed;

	if (!copy)
		return;
	c->out = out;
	c->err = err;
	c->steps = 0;
	c->error_pending = false;
	int rc = run_text(c, copy, len, &parsed);
	if (rc == PS_EXIT_SIG)
		h->ended = true;
	else
		c->exit_status = !parsed || rc == PS_THROW || !h->rs.last_ok ? 1 : 0;
	c->out = c->err = NULL;
}

/* Whether text parses as far as it goes, but ends before a statement
 * does: an open brace, parenthesis or string (PowerShell's
 * IncompleteParseException). */
static bool incomplete(ps_host *h, const char *text, size_t len)
{
	ps_ctx *c = &h->c;
	ps_node *root;
	char *copy = carve_arena_strndup(&c->arena, text, len);

	if (!copy)
		return false;
	c->src = copy;
	c->src_len = len;
	c->error_pending = false;
	bool more = ps_parse(&root, c, copy, len) != 0 && c->error.incomplete;
	c->error_pending = false;
	return more;
}

bool ps_host_line(ps_host *h, carve_buf *out, carve_buf *err, const char *line, size_t len)
{
	bool blank = true;

	if (h->ended)
		return false;
	for (size_t i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			blank = false;
	if (h->in_block) {
		if (!blank) {
			carve_buf_put(&h->block, line, len);
			carve_buf_putc(&h->block, '\n');
			return true;
		}
		/* an empty line ends the block: it runs as one input */
		h->in_block = false;
		host_run(h, out, err, h->block.ptr ? h->block.ptr : "", h->block.len);
		h->block.len = 0;
		return !h->ended;
	}
	if (blank)
		return true;
	if (incomplete(h, line, len)) {
		carve_buf_put(&h->block, line, len);
		carve_buf_putc(&h->block, '\n');
		h->in_block = true;
		return true;
	}
	host_run(h, out, err, line, len);
	return !h->ended;
}

int ps_host_end(ps_host *h, bool *reboot)
{
	int status = h->c.exit_status;

	/* at the end of its input the host drops a statement still open */
	*reboot = h->c.reboot;
	carve_buf_done(&h->block);
	carve_arena_done(&h->c.arena);
	free(h);
	return status;
}
