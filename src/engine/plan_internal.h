/*
 * plan_internal.h - the site plan loader's private pieces, shared by
 * plan_yaml.c (bytes to document tree), plan_load.c (schema walk),
 * plan_check.c (cross-references), plan.c (entry points, look-ups) and
 * names.c (allow-lists).
 *
 * A plan is loaded in four passes, each reporting every problem it finds:
 * bytes (size, UTF-8), YAML (syntax, anchors, depth, duplicate keys, inline
 * secrets), schema (keys, types, values) and references (names, positions).
 * The document tree and the working tables live in a scratch arena freed
 * after the load; what the caller keeps lives in the plan's own arena.
 */
#ifndef CARVE_PLAN_INTERNAL_H
#define CARVE_PLAN_INTERNAL_H

#include "commands.h"
#include "internal.h"

#define PLAN_MAX_BYTES ((size_t)16 << 20)
#define PLAN_MAX_DEPTH 32

/* ---- UTF-8 and source positions ---- */

/* Length of the valid UTF-8 sequence at s (1-4, within n bytes), 0 if the
 * bytes there are not valid UTF-8. */
size_t plan_utf8_seq(const char *s, size_t n);
/* Code points in n bytes of valid UTF-8. */
size_t plan_utf8_count(const char *s, size_t n);

/* A position in the source counted the way libyaml counts its marks, so
 * positions found by scanning bytes agree with libyaml's. */
typedef struct {
	size_t byte;   /* offset in the buffer */
	size_t chr;    /* libyaml's mark.index: characters after any BOM */
	unsigned line; /* 1-based */
	unsigned col;  /* 1-based, in characters */
} plan_src_pos;

void plan_src_start(plan_src_pos *p, const char *buf, size_t len);
/* Moves p past one character (a CR LF pair counts as one line break). */
void plan_src_step(plan_src_pos *p, const char *buf, size_t len);

/* ---- the document tree ---- */

typedef enum {
	PNODE_SCALAR,
	PNODE_SEQ,
	PNODE_MAP,
	PNODE_BAD, /* an alias: reported once, silently skipped after */
} pnode_kind;

enum {
	PNODE_PLAIN = 1,    /* scalar written without quotes */
	PNODE_LITERAL = 2,  /* scalar written as a literal block (|) */
	PNODE_REPORTED = 4, /* key already reported (duplicate, secret) */
};

typedef struct pnode pnode;
struct pnode {
	unsigned char kind;
	unsigned char flags;
	unsigned line, col; /* 1-based */
	size_t index;       /* libyaml's mark.index, see plan_src_pos */
	size_t len;         /* scalar: bytes; sequence: items; mapping: 2 * pairs */
	union {
		const char *str; /* scalar, NUL-terminated (may hold a NUL) */
		pnode **kids;    /* sequence items; mapping key, value, key, ... */
	} u;
};

/*
 * Parses buf into a tree allocated in arena.  Problems go to diags; *root is
 * NULL when the document cannot be walked (syntax error, too deep, empty).
 * Returns 0, or CARVE_ENOMEM.
 */
int plan_yaml_parse(pnode **root, carve_arena *arena, carve_diags *diags,
		    const char *buf, size_t len);

/* A plain empty, ~ or null scalar. */
bool pnode_is_null(const pnode *v);
/* The value under key in a mapping, skipping reported keys; NULL if none. */
const pnode *pnode_get(const pnode *map, const char *key);

/* s quoted for a message: at most 40 characters, control characters as
 * \xNN, "..." when cut.  Allocated in arena; "?" when out of memory. */
const char *plan_show(carve_arena *arena, const char *s, size_t len);

/* ---- name index: open addressing over item indices ---- */

typedef struct {
	const void *base; /* items; each item's name is its first member */
	size_t stride;
	bool nocase;
	uint32_t *slots;  /* item index + 1; 0 is an empty slot */
	size_t mask;
} plan_index;

/* Room for count items, in arena.  Returns 0 or CARVE_ENOMEM. */
int plan_index_init(plan_index *ix, carve_arena *arena, const void *base,
		    size_t stride, size_t count, bool nocase);
/* Adds item i; returns CARVE_NONE, or the earlier item with that name. */
size_t plan_index_add(plan_index *ix, size_t i);
size_t plan_index_find(const plan_index *ix, const char *name);

/* ---- the plan ---- */

struct carve_plan {
	carve_arena arena;
	const char *path;
	char hash[65];
	carve_site site;
	carve_mail mail;
	carve_policy policy;
	carve_transport transport;
	const carve_exec_host *exec_hosts;
	size_t exec_host_count;
	const carve_floor *floors;
	size_t floor_count;
	const carve_machine *machines;
	size_t machine_count;
	const carve_user *users;
	size_t user_count;
	const carve_chunk *chunks;
	size_t chunk_count;
	const carve_teardown_item *teardown;
	size_t teardown_count;
	const carve_account *accounts;
	size_t account_count;
	const char *commands[CMD__COUNT]; /* the plan's templates; NULL: default */
	plan_index machine_index; /* ignoring case */
	plan_index user_index;    /* ignoring case */
	plan_index chunk_index;
	plan_index account_index;
	/* The password store (secret.c): one locked secret per account, the
	 * only mutable part of a loaded plan. */
	carve_secret **passwords;
	size_t *password_lens;
	struct carve_logon_gate *gates;
	size_t gate_count; /* gates initialised, for carve_plan_free */
};

/* ---- the loader's working state ---- */

/* Each list item as parsed: the public struct first, then the value nodes
 * the cross-reference pass needs to resolve names and cite positions. */
typedef struct {
	carve_exec_host pub;
	const pnode *name, *role, *account;
} plan_exec_raw;

typedef struct {
	carve_account pub;
	const pnode *name, *user, *auth;
} plan_account_raw;

typedef struct {
	carve_site pub;
	const pnode *source, *source_account;
} plan_site_raw;

typedef struct {
	carve_floor pub;
	const pnode *name;
	const char *map;        /* the drawing as written, rows joined by \n */
	const size_t *row_cols; /* width of each row, in characters */
} plan_floor_raw;

typedef struct {
	carve_machine pub;
	const pnode *node, *name, *floor, *at, *marker, *user, *chunk, *reach, *via;
	bool placed; /* pub.x and pub.y hold a valid position */
} plan_machine_raw;

typedef struct {
	carve_user pub;
	const pnode *name, *chunk;
} plan_user_raw;

typedef struct {
	carve_chunk pub;
	const pnode *name;
} plan_chunk_raw;

typedef struct {
	carve_teardown_item pub;
	const pnode *id;
} plan_teardown_raw;

typedef struct {
	carve_transport pub;
	const pnode *node, *account;
} plan_transport_raw;

typedef struct {
	void *items; /* an array of one of the plan_*_raw structs */
	size_t count;
	const pnode *node; /* NULL when the key is absent */
} plan_list;

typedef struct {
	carve_plan *plan; /* results go to plan->arena */
	carve_arena scratch;
	carve_diags *diags;
	const char *name; /* the plan's path as given, or NULL */
	const char *buf;
	size_t len;
	const char *base_dir; /* for relative paths; found when first needed */
	plan_src_pos cursor;  /* moves forward through buf for tab positions */
	size_t suggest_budget;
	bool oom;

	plan_site_raw site;
	carve_mail mail;
	carve_policy policy;
	plan_transport_raw transport;
	plan_list exec_hosts, floors, machines, users, chunks, teardown, accounts;
	const char *commands[CMD__COUNT];
} plan_load;

/* A diagnostic at node's position. */
void plan_diag(plan_load *ld, const pnode *at, const char *fmt, ...)
	CARVE_PRINTF(3, 4);
/* plan_show() in the scratch arena. */
const char *plan_quote(plan_load *ld, const char *s);
/* Allocation in the scratch arena; NULL (and ld->oom set) on failure. */
void *plan_scratch(plan_load *ld, size_t n, size_t size);
/*
 * The candidate nearest to word (Damerau-Levenshtein distance at most 2 and
 * less than either word's length, ignoring case; the first of equals wins),
 * or NULL.  Candidates are count items of stride bytes whose first member
 * is a name.
 */
const char *plan_suggest(plan_load *ld, const char *word, const void *base,
			 size_t stride, size_t count);
/* "unknown KIND 'WORD'WHERE (did you mean 'X'?)" at node. */
void plan_unknown(plan_load *ld, const pnode *node, const char *kind,
		  const char *where, const char *word, const char *suggestion);

/* ---- the schema: one key table per plan section (plan_schema.c) ---- */

typedef struct plan_field plan_field;

/* Converts v into dst; reports and returns false when v is not acceptable. */
typedef bool (*plan_setter)(plan_load *ld, const pnode *v, void *dst,
			    const plan_field *f);

struct plan_field {
	const char *key; /* first member: plan_suggest() reads it */
	plan_setter set; /* NULL: a key that is gone, see replaced */
	const char *replaced; /* what to write instead of a key that is gone */
	size_t offset;      /* of the value in the object being filled */
	size_t node_offset; /* of a const pnode * kept for later passes, or 0 */
	bool required;
	size_t size;        /* integers: the destination's width */
	uint64_t min, max;  /* integers */
	const void *arg;    /* a plan_rule, plan_schema, plan_list_spec, ... */
};

typedef struct {
	const char *what; /* "machine", as in "machine is missing required key" */
	const plan_field *fields;
	size_t count;
	/* Rules between keys, run after the keys were walked. */
	void (*finish)(plan_load *ld, void *obj, const pnode *map);
} plan_schema;

typedef struct {
	const plan_schema *schema;
	size_t item_size;
	void (*init)(void *item); /* defaults, or NULL when all are zero */
	bool nonempty;
} plan_list_spec;

typedef struct {
	const char *name;
	int value;
} plan_enum_item;

typedef struct {
	const plan_enum_item *items;
	size_t count;
} plan_enum;

typedef struct {
	const char *label; /* "NetBIOS name", as in "invalid NetBIOS name 'X'" */
	bool (*ok)(const char *s, const char **why);
} plan_rule;

#define PLAN_SETTER(name) \
	bool name(plan_load *ld, const pnode *v, void *dst, const plan_field *f)

/* The setters (plan_load.c), each named after what it makes of v. */
PLAN_SETTER(plan_set_string); /* arg: a plan_rule, or NULL */
PLAN_SETTER(plan_set_ref);    /* a name resolved later: only checked here */
PLAN_SETTER(plan_set_path);   /* absolute, ~/ expanded */
PLAN_SETTER(plan_set_uint);   /* size, min, max */
PLAN_SETTER(plan_set_bool);
PLAN_SETTER(plan_set_enum);   /* arg: a plan_enum */
PLAN_SETTER(plan_set_duration);
PLAN_SETTER(plan_set_size);
PLAN_SETTER(plan_set_cutover);  /* dst: a carve_chunk */
PLAN_SETTER(plan_set_submap);   /* arg: a plan_schema */
PLAN_SETTER(plan_set_list);     /* arg: a plan_list_spec; dst: a plan_list */
PLAN_SETTER(plan_set_hotfixes); /* arg: the carve_os; dst: a carve_policy */
PLAN_SETTER(plan_set_at);       /* dst: a carve_machine */
PLAN_SETTER(plan_set_floor_map); /* dst: a plan_floor_raw */
PLAN_SETTER(plan_set_template); /* a commands: template */
PLAN_SETTER(plan_set_packages); /* dst: a carve_policy */

/* Fills obj from map by the key table s, reporting what it refuses. */
void plan_walk_map(plan_load *ld, const pnode *map, const plan_schema *s, void *obj);

/* Walks the document into ld (schema pass). */
void plan_walk(plan_load *ld, const pnode *root);
/* Resolves names and positions (reference pass); returns 0 or CARVE_ENOMEM. */
int plan_check(plan_load *ld);
/* The rules on accounts and logons, once every account reference is
 * resolved (plan_accounts.c). */
void plan_check_accounts(plan_load *ld);

/* ---- allow-lists beyond the public carve_name_* (names.c) ---- */

bool plan_name_ident(const char *s, const char **why);
bool plan_name_domain(const char *s, const char **why);
bool plan_name_address(const char *s, const char **why);
bool plan_name_ipv4(const char *s, const char **why);
bool plan_name_package(const char *s, const char **why);
bool plan_name_exchange_uri(const char *s, const char **why);
bool plan_name_email(const char *s, const char **why);
bool plan_name_dn(const char *s, const char **why);
bool plan_name_text(const char *s, const char **why);
bool plan_name_logon(const char *s, const char **why);
bool plan_name_marker(const char *s, const char **why);

#endif
