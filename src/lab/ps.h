/*
 * ps.h - carve-lab's model of Windows PowerShell 2.0, the shell of the
 * Windows Server 2008 R2 exec hosts carve talks to.
 *
 * A script is parsed the way PowerShell 2.0 parses it (a parse error stops
 * the whole script before anything runs) and then run: variables, strings,
 * operators, pipelines, cmdlets bound to their declared parameters, .NET and
 * WMI objects with their properties and methods, native programs.  Nothing
 * is recognised by keyword: a command only acts when it is called, with
 * parameters its contract accepts, and a string that merely mentions a
 * command is a string.  What the model does not know gets the error text
 * PowerShell 2.0 prints for it.  What the products behind the cmdlets do
 * (WMI on XP and later, the registry, files, ADMT, Active Directory,
 * Exchange 2010) lives in ps_wmi.c, ps_fs.c, ps_admt.c, ps_ad.c and
 * ps_exchange.c; each contract there cites the documentation it follows.
 *
 * Everything a run allocates lives in one arena, freed when it ends.
 */
#ifndef CARVE_LAB_PS_H
#define CARVE_LAB_PS_H

#include "lab.h"

#include <stdint.h>

typedef struct ps_ctx ps_ctx;
typedef struct ps_node ps_node;
typedef struct ps_obj ps_obj;
typedef struct ps_class ps_class;
typedef struct ps_type ps_type;
typedef struct ps_array ps_array;
typedef struct ps_hash ps_hash;

/* ------------------------------------------------------------ values */

typedef enum {
	PV_NULL,
	PV_BOOL,
	PV_INT,    /* System.Int32 or System.Int64 */
	PV_DOUBLE,
	PV_STR,    /* System.String (and System.Char, as a one-character string) */
	PV_ARRAY,  /* System.Object[] */
	PV_HASH,   /* System.Collections.Hashtable: keys ignore case */
	PV_BLOCK,  /* System.Management.Automation.ScriptBlock */
	PV_OBJ,    /* anything else, behaving as its class says */
	PV_TYPE,   /* a type literal, [Console] */
} pv_kind;

typedef struct {
	pv_kind k;
	union {
		bool b;
		int64_t i;
		double d;
		const char *s;  /* NUL-terminated, in the arena */
		ps_array *a;
		ps_hash *h;
		const ps_node *blk;
		ps_obj *o;
		const ps_type *t;
	} u;
} pv;

struct ps_array {
	pv *v;
	size_t n, cap;
};

typedef struct {
	const char *key; /* hashtables here only ever have string keys */
	pv val;
} ps_hash_entry;

struct ps_hash {
	ps_hash_entry *e;
	size_t n, cap;
};

/* A property of an object: a value, or computed on read by its class. */
typedef struct {
	const char *name;
	pv val;
} ps_prop;

struct ps_obj {
	const ps_class *cls;
	ps_prop *props;   /* in display order */
	size_t n, cap;
	void *data;       /* the class's own state */
};

/*
 * How a kind of object behaves.  get and call return 1 when they handled
 * the name, 0 when the object has no such member (PowerShell then reads
 * $null, or fails the call), or PS_THROW.
 */
struct ps_class {
	const char *type_name; /* as PowerShell prints it in messages */
	int (*get)(ps_ctx *c, ps_obj *o, const char *name, pv *out);
	int (*set)(ps_ctx *c, ps_obj *o, const char *name, pv val);
	int (*call)(ps_ctx *c, ps_obj *o, const char *method, const pv *args, size_t n,
		    pv *out);
	/* "$obj" and what the host prints for it; NULL: the type name */
	const char *(*to_string)(ps_ctx *c, ps_obj *o);
	/* Whether the host prints it as a list of properties (else to_string) */
	bool as_list;
};

/* A .NET type the model knows: a cast, a type literal's static members. */
struct ps_type {
	const char *name;          /* full name: System.Int32 */
	const char *const *aliases; /* accepted spellings besides name, NULL-ended */
	/* [T]value; NULL: the type cannot be converted to */
	int (*convert)(ps_ctx *c, pv in, pv *out);
	int (*static_get)(ps_ctx *c, const char *name, pv *out);
	int (*static_call)(ps_ctx *c, const char *method, const pv *args, size_t n, pv *out);
	/* Whether a value is of this type (-is, catch [T]) */
	bool (*is)(pv v);
};

/* ------------------------------------------------------------ the tree */

typedef enum {
	/* statements */
	PN_BLOCK,     /* kid[]: statements */
	PN_PIPELINE,  /* kid[]: elements; op: PS_REDIR_* bits */
	PN_COMMAND,   /* name, or kid[0] an expression after &; then PN_ARG kids */
	PN_ARG,       /* name: a parameter (NULL: a value); kid[0]: its value or NULL;
		       * op 1: written -Name:value; op 2: @splat */
	PN_ASSIGN,    /* op; kid[0] target, kid[1] value (a statement) */
	PN_IF,        /* kid[]: cond, body, cond, body, ... [, else body] */
	PN_FOREACH,   /* name: variable; kid[0] collection, kid[1] body */
	PN_FOR,       /* kid[0..3]: init, cond, step, body (any but body may be NULL) */
	PN_WHILE,     /* kid[0] cond, kid[1] body */
	PN_DO,        /* kid[0] body, kid[1] cond; op 1: until */
	PN_TRY,       /* kid[0] body, then PN_CATCH..., then finally body or NULL */
	PN_CATCH,     /* name: type names joined by ',' or NULL; kid[0] body */
	PN_THROW,     /* kid[0] or NULL */
	PN_RETURN,
	PN_EXIT,
	PN_BREAK,
	PN_CONTINUE,
	PN_FUNCTION,  /* name; kid[0]: script block */
	/* expressions */
	PE_CONST,     /* val */
	PE_EXPAND,    /* kid[]: parts, concatenated as strings */
	PE_VAR,       /* name (lower case, scope prefix kept) */
	PE_MEMBER,    /* kid[0] object; name, or kid[1] an expression naming it */
	PE_INVOKE,    /* kid[0] object; name; kid[1..]: arguments */
	PE_STATIC,    /* kid[0] a PE_TYPE; name */
	PE_STATIC_INVOKE, /* kid[0] a PE_TYPE; name; kid[1..]: arguments */
	PE_INDEX,     /* kid[0] object, kid[1] index */
	PE_BINARY,    /* op; kid[0], kid[1] */
	PE_UNARY,     /* op; kid[0] */
	PE_CAST,      /* name: the type; kid[0] */
	PE_TYPE,      /* name: the type */
	PE_ARRAY,     /* kid[]: a, b, c */
	PE_SUBEXPR,   /* kid[0]: a block: $( ) */
	PE_ARRAYEXPR, /* kid[0]: a block: @( ) */
	PE_PAREN,     /* kid[0]: a statement: ( ) */
	PE_HASH,      /* kid[]: key, value, key, value */
	PE_SCRIPTBLOCK, /* kid[0]: the body; name: parameter names joined by ',' */
	PE_INCDEC,    /* op: PS_OP_INC/DEC; kid[0] the variable; val.b: postfix */
} ps_nkind;

typedef enum {
	PS_OP_NONE,
	/* comparison; the case-sensitive twins follow the same order */
	PS_OP_EQ, PS_OP_NE, PS_OP_GT, PS_OP_GE, PS_OP_LT, PS_OP_LE,
	PS_OP_LIKE, PS_OP_NOTLIKE, PS_OP_MATCH, PS_OP_NOTMATCH,
	PS_OP_CONTAINS, PS_OP_NOTCONTAINS, PS_OP_REPLACE, PS_OP_SPLIT,
	PS_OP_JOIN, PS_OP_IS, PS_OP_ISNOT, PS_OP_AS,
	PS_OP_AND, PS_OP_OR, PS_OP_XOR, PS_OP_NOT, PS_OP_BAND, PS_OP_BOR, PS_OP_BXOR,
	PS_OP_BNOT,
	PS_OP_ADD, PS_OP_SUB, PS_OP_MUL, PS_OP_DIV, PS_OP_MOD, PS_OP_FORMAT,
	PS_OP_RANGE, PS_OP_NEG, PS_OP_PLUS, PS_OP_COMMA,
	PS_OP_ASSIGN, PS_OP_ADD_ASSIGN, PS_OP_SUB_ASSIGN, PS_OP_MUL_ASSIGN,
	PS_OP_DIV_ASSIGN, PS_OP_MOD_ASSIGN,
	PS_OP_INC, PS_OP_DEC,
	PS_OP__COUNT
} ps_op;

/* A comparison operator written with a c prefix (-ceq) carries this bit. */
#define PS_OP_CASE 0x100

/* Redirections on a pipeline. */
enum { PS_REDIR_ERR_TO_OUT = 1, PS_REDIR_OUT_NULL = 2, PS_REDIR_ERR_NULL = 4 };

struct ps_node {
	ps_nkind k;
	int op;
	const char *name;
	pv val;
	ps_node **kid;
	size_t n;
	size_t pos, end; /* byte offsets in the script: error positions */
	size_t mark;     /* where PowerShell 2.0's "<<<<" points for an error here:
			  * the end of a command's name or a member's name */
};

/* ------------------------------------------------------------ running */

/* What evaluation functions return besides 0. */
enum {
	PS_THROW = -100, /* an error record is in c->error */
	PS_BREAK_SIG,
	PS_CONTINUE_SIG,
	PS_RETURN_SIG,
	PS_EXIT_SIG,
};

/* An error record, as PowerShell prints and $_ in catch shows it. */
typedef struct {
	const char *message;
	const char *exception;  /* System.Management.Automation.RuntimeException */
	const char *category;   /* "ObjectNotFound: (X:String) [], CommandNotFoundException" */
	const char *error_id;   /* FullyQualifiedErrorId */
	const char *command;    /* the command it came from, or NULL */
	size_t pos, end;        /* where in the script */
	pv target;              /* TargetObject */
	bool incomplete;        /* a parse error at the end of the text: more
				 * lines could complete it */
} ps_error;

/* A list of values, as a pipeline carries them. */
typedef struct {
	pv *v;
	size_t n, cap;
} pv_list;

/* Where a script runs and who runs it (set by windows.c). */
typedef struct {
	lab_site *site;
	lab_host *self;
	const lab_session *session;
} ps_env;

typedef struct ps_scope ps_scope;

struct ps_ctx {
	carve_arena arena;
	const ps_env *env;
	const char *src;           /* the script */
	size_t src_len;
	ps_scope *scope;
	ps_error error;            /* the pending one when PS_THROW */
	bool error_pending;
	int exit_status;
	carve_buf *out, *err;      /* what powershell.exe writes */
	const char *input;         /* stdin not read yet */
	size_t input_len;
	unsigned long steps;       /* a budget against runaway loops */
	bool reboot;               /* the host the script runs on restarts */
	bool exchange;             /* the Exchange 2010 cmdlets are loaded */
	bool exchange_remote;      /* ... through a remote session (values arrive
				    * deserialized) */
	unsigned remote_busy;      /* a pipeline of the remote session's
				    * commands is still running */
	bool ran_remote;           /* the last command came from that session */
	bool ad_module;            /* Import-Module ActiveDirectory ran */
	const ps_node *cur;        /* the node being run, for error positions */
	void *run;                 /* the evaluator's own state (ps_eval.c) */
};

/* Parses and runs script; fills out, err and the exit status as
 * powershell.exe -NonInteractive -EncodedCommand would.  Lock held. */
void ps_run(carve_buf *out, carve_buf *err, int *exit_status, bool *reboot,
	    const ps_env *env, const char *script);

/* Parses and runs script in the current scope (Invoke-Expression). */
int ps_run_nested(ps_ctx *c, const char *script, pv_list *out);

/*
 * powershell.exe -Command -: one process reading its script from stdin,
 * its session (variables, functions) lasting until the input ends.  The
 * console host reads it a line at a time, as if typed at the prompt
 * (about_PowerShell_exe: "the input statements are executed one statement
 * at a time as though they were typed at the PowerShell command prompt"):
 * a line that is a complete statement runs at once; one that opens a
 * statement it does not close starts a block that only an empty line ends
 * and runs (PowerShell/PowerShell issues 3223 and 21808, 2.0's console
 * host); a line that does not parse prints its error and nothing runs; at
 * the end of the input a block still open is dropped.  Each statement's
 * output is written as it ends (PowerShell writes each object as it comes:
 * the model's difference).  The quote is 5.1's help and the issues are
 * about 5.1 and later; that 2.0 reads stdin the same way is an inference
 * from them, as 2.0's source is not public.
 */
typedef struct ps_host ps_host;
ps_host *ps_host_new(const ps_env *env);
/* One line of stdin (without its LF); false once exit has ended the
 * session. */
bool ps_host_line(ps_host *h, carve_buf *out, carve_buf *err, const char *line, size_t len);
/* The end of stdin: frees h; returns the process's exit status (exit's,
 * else 1 when the last statement failed, else 0). */
int ps_host_end(ps_host *h, bool *reboot);

/* ---- parser (ps_parse.c) ---- */

/* Parses a script; on a syntax error returns PS_THROW with c->error set. */
int ps_parse(ps_node **out, ps_ctx *c, const char *src, size_t len);

/* ---- values (ps_value.c) ---- */

extern const pv PV_NULL_VALUE;
pv pv_bool(bool b);
pv pv_int(int64_t i);
pv pv_double(double d);
pv pv_str(ps_ctx *c, const char *s);
pv pv_strn(ps_ctx *c, const char *s, size_t n);
pv pv_strf(ps_ctx *c, const char *fmt, ...) CARVE_PRINTF(2, 3);
pv pv_obj(ps_obj *o);

ps_array *ps_array_new(ps_ctx *c);
void ps_array_push(ps_ctx *c, ps_array *a, pv v);
pv pv_array(ps_array *a);
ps_hash *ps_hash_new(ps_ctx *c);
void ps_hash_set(ps_ctx *c, ps_hash *h, const char *key, pv v);
bool ps_hash_get(const ps_hash *h, const char *key, pv *out);

ps_obj *ps_obj_new(ps_ctx *c, const ps_class *cls);
/* Adds or replaces a plain property. */
void ps_obj_set(ps_ctx *c, ps_obj *o, const char *name, pv v);
ps_prop *ps_obj_find(ps_obj *o, const char *name);

void pv_list_push(ps_ctx *c, pv_list *l, pv v);
/* Appends v to l enumerated, as writing it to a pipeline does. */
void pv_list_write(ps_ctx *c, pv_list *l, pv v);
/* What assigning a pipeline's output gives: $null, the item, or an array. */
pv pv_list_collect(ps_ctx *c, const pv_list *l);
/* The items of an Object[] parameter's value (*v, or NULL for none): an
 * array's elements, or the one value it was given; *n their count. */
const pv *pv_items(const pv *v, size_t *n);

bool pv_truthy(pv v);
/* The string PowerShell makes of v ("$v"); arrays joined with spaces. */
const char *pv_to_str(ps_ctx *c, pv v);
/* v as a number: 0 ok, PS_THROW with the conversion error. */
int pv_to_int(ps_ctx *c, pv v, int64_t *out);
int pv_to_double(ps_ctx *c, pv v, double *out);
/* Whether v holds an integer or a string that reads as one. */
bool pv_is_number(pv v);
/* -eq/-lt as PowerShell compares: the right side converted to the left's
 * kind, strings without case unless cs.  Returns <0, 0, >0, or 2 when the
 * two cannot be ordered (then only -ne holds). */
int pv_compare(ps_ctx *c, pv a, pv b, bool cs);
/* Its type's full name, for messages: System.String */
const char *pv_type_name(pv v);
/* Wildcards (* ? [a-z]) as -like matches them, ignoring case unless cs. */
bool ps_like(const char *s, const char *pattern, bool cs);
/* The .NET composite format string.Format(fmt, args): {0}, {1,-8}, {2:N0}. */
int ps_format(ps_ctx *c, const char *fmt, const pv *args, size_t n, const char **out);

/* ---- regular expressions (ps_value.c): .NET syntax read into POSIX ---- */

/* -match: sets *hit; when groups is not NULL it gets $matches. */
int ps_regex_match(ps_ctx *c, const char *s, const char *re, bool cs, bool *hit,
		   ps_hash **groups);
int ps_regex_replace(ps_ctx *c, const char *s, const char *re, const char *with, bool cs,
		     const char **out);
int ps_regex_split(ps_ctx *c, const char *s, const char *re, bool cs, ps_array **out);

/* ---- evaluation (ps_eval.c) ---- */

/* Sets c->error (at the current node) and returns PS_THROW. */
int ps_throw(ps_ctx *c, const char *exception, const char *category, const char *error_id,
	     const char *fmt, ...) CARVE_PRINTF(5, 6);
/* The same for a cmdlet, as a cmdlet's terminating error reads. */
int ps_throw_cmd(ps_ctx *c, const char *command, const char *exception, const char *category,
		 const char *error_id, const char *fmt, ...) CARVE_PRINTF(6, 7);

pv ps_var_get(ps_ctx *c, const char *name);
void ps_var_set(ps_ctx *c, const char *name, pv v);
/* Runs a script block with $_ set to item (no new scope, as ForEach-Object
 * does); its output is appended to out. */
int ps_invoke_block(ps_ctx *c, const ps_node *block, pv item, pv_list *out);
/* A member of any value: properties, then the class's dynamic ones. */
int ps_member_get(ps_ctx *c, pv obj, const char *name, pv *out);

/* Counts a step of work; PS_THROW when the script runs away. */
int ps_step(ps_ctx *c);

/* Releases the site lock for ms milliseconds (Start-Sleep, a slow call). */
void ps_sleep(ps_ctx *c, uint32_t ms);

/* ---- cmdlets ---- */

typedef enum {
	PP_ANY,        /* System.Object */
	PP_STRING,
	PP_STRINGS,    /* String[]: a list binds as it is */
	PP_INT,
	PP_SWITCH,
	PP_BLOCK,      /* ScriptBlock */
	PP_CREDENTIAL, /* PSCredential */
	PP_HASH,
	PP_OBJECTS,    /* Object[] */
	PP_BOOL,
} ps_ptype;

typedef struct {
	const char *name;
	const char *aliases;   /* comma-separated, or NULL */
	ps_ptype type;
	int position;          /* -1: named only */
	unsigned sets;         /* bit i: in parameter set i; 0: in every set */
	unsigned mandatory;    /* bit i: mandatory in set i */
	bool pipeline;         /* takes pipeline input by value */
} ps_param;

/* The arguments a call bound, by parameter. */
typedef struct {
	const ps_param *param;
	pv val;
	bool given;
} ps_bound;

typedef struct ps_cmdlet ps_cmdlet;

typedef struct {
	const ps_cmdlet *cmd;
	ps_bound *b;           /* one per parameter of cmd */
	int set;               /* the parameter set chosen */
	int error_action;      /* PS_EA_* */
	bool piped;            /* not the first command of its pipeline */
	bool no_confirm;       /* -Confirm:$false */
	const ps_node *node;
} ps_call;

enum { PS_EA_CONTINUE, PS_EA_STOP, PS_EA_SILENT };

struct ps_cmdlet {
	const char *name;       /* Get-WmiObject */
	const char *type_name;  /* Microsoft.PowerShell.Commands.GetWmiObjectCommand */
	const char *const *sets; /* parameter set names, NULL-ended; NULL: one set */
	int default_set;
	const ps_param *params;
	size_t n_params;
	/* Runs once with the whole pipeline input (the model does not
	 * stream); appends its output to out. */
	int (*run)(ps_ctx *c, ps_call *call, const pv_list *in, pv_list *out);
	/* Available only when this returns true (a module or snap-in loaded,
	 * the host's role); NULL: always. */
	bool (*available)(ps_ctx *c);
	bool should_process;    /* takes -WhatIf and -Confirm */
};

/* Every cmdlet the model knows, from each product file. */
extern const ps_cmdlet *const ps_builtin_cmdlets[];
extern const ps_cmdlet *const ps_fs_cmdlets[];
extern const ps_cmdlet *const ps_wmi_cmdlets[];
extern const ps_cmdlet *const ps_ad_cmdlets[];
extern const ps_cmdlet *const ps_exchange_cmdlets[];

/* The value bound to a parameter, or NULL when it was not given. */
const pv *ps_arg(const ps_call *call, const char *name);
const char *ps_arg_str(ps_ctx *c, const ps_call *call, const char *name);
bool ps_arg_switch(const ps_call *call, const char *name);

/* A non-terminating error from a cmdlet: printed, or thrown under Stop. */
int ps_write_error(ps_ctx *c, ps_call *call, const char *exception, const char *category,
		   const char *error_id, const char *fmt, ...) CARVE_PRINTF(6, 7);

/* Native programs on the host (admt.exe, netsh.exe ...): NULL when the
 * host has no such program. */
typedef int (*ps_native_fn)(ps_ctx *c, const char *const *argv, size_t argc, pv_list *out);
ps_native_fn ps_admt_native(ps_ctx *c, const char *name);

/* ---- the hosts' disks (ps_fs.c) ---- */

/* Writes (or appends to) a file on h, by its local path.  False when out
 * of memory. */
bool lab_file_write(lab_host *h, const char *local, const char *data, size_t len, bool append);
/* Reads a file of h into the arena; false when there is none. */
bool lab_file_read(ps_ctx *c, lab_host *h, const char *local, const char **data, size_t *len);
/* The Windows directory of h: C:\WINDOWS on XP, C:\Windows after. */
const char *lab_windows_dir(const lab_host *h);

/* ---- native programs on a host (ps_admt.c, ps_wmi.c) ---- */

/* Runs a command line the way CreateProcess would on h (Win32_Process
 * Create): the programs the lab models (netsh, devcon, an update package)
 * act; *exit_code gets their exit code.  Returns false when the program
 * does not exist there. */
bool lab_process_run(ps_ctx *c, lab_host *h, const char *command_line, bool network,
		     int *exit_code);

/* Win32_OperatingSystem.Caption of h, as Windows writes it (ps_wmi.c). */
const char *lab_os_caption(const lab_host *h);

/* The PnP device instance id of h's NIC i (devcon disables by it). */
void lab_nic_pnp_id(char *out, size_t cap, const lab_host *h, size_t i);

/* ---- types (ps_builtin.c, ps_wmi.c, ps_ad.c) ---- */

/* The type named, or NULL. */
const ps_type *ps_type_find(const char *name);
extern const ps_type *const ps_builtin_types[];
extern const ps_type *const ps_wmi_types[];
extern const ps_type *const ps_ad_types[];

/* Built-in classes other files make objects of. */
extern const ps_class ps_class_psobject;  /* New-Object psobject, Select-Object */
extern const ps_class ps_class_datetime;  /* data: a struct timespec (UTC) */
extern const ps_class ps_class_credential;
extern const ps_class ps_class_error;     /* $_ in catch */

pv ps_datetime(ps_ctx *c, time_t t);
/* The time held by a DateTime value; false when v is none. */
bool ps_datetime_get(pv v, time_t *t);

/* The account the session runs as, DOMAIN\user. */
const char *ps_session_user(ps_ctx *c);
/* The SID of the account the session logs on as (DOMAIN\name), the same
 * for the same name. */
const char *ps_session_sid(ps_ctx *c);
/* Whether the session may reach other machines (a password or delegated
 * Kerberos logon); a key logon on Windows OpenSSH may not. */
bool ps_network_credentials(ps_ctx *c);

#endif
