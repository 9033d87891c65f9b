/*
 * plan_check.c - the reference pass: names unique, references resolved,
 * machines placed on their floor's drawing and not on top of each other.
 * Everything is hashed, so a 10,000-machine plan stays linear.
 */
#include "plan_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
	const char *what; /* "name" or "id" */
	const char *kind; /* "machine" */
	size_t stride;
	size_t node_off; /* of the name's value node in the raw struct */
	bool nocase;
} list_kind;

static const list_kind exec_kind = { "name", "exec host", sizeof(plan_exec_raw),
				     offsetof(plan_exec_raw, name), true };
static const list_kind floor_kind = { "name", "floor", sizeof(plan_floor_raw),
				      offsetof(plan_floor_raw, name), false };
static const list_kind machine_kind = { "name", "machine", sizeof(plan_machine_raw),
					offsetof(plan_machine_raw, name), true };
static const list_kind user_kind = { "name", "user", sizeof(plan_user_raw),
				     offsetof(plan_user_raw, name), true };
static const list_kind chunk_kind = { "name", "chunk", sizeof(plan_chunk_raw),
				      offsetof(plan_chunk_raw, name), false };
static const list_kind teardown_kind = { "id", "teardown item", sizeof(plan_teardown_raw),
					 offsetof(plan_teardown_raw, id), false };
static const list_kind account_kind = { "name", "account", sizeof(plan_account_raw),
					offsetof(plan_account_raw, name), false };

static void *item_at(const plan_list *list, const list_kind *k, size_t i)
{
	return (char *)list->items + i * k->stride;
}

/* Every raw struct starts with its public struct, which starts with the
 * name. */
static const char *name_of(const void *item)
{
	const char *name = *(const char *const *)item;
	return name ? name : "?";
}

static const pnode *name_node(const void *item, const list_kind *k)
{
	return *(const pnode *const *)((const char *)item + k->node_off);
}

/* "name 'ws-1' is already taken by machine WS-1 (at 12:11)", at the later
 * of the two; nothing when either name was already refused. */
static void report_taken(plan_load *ld, const void *a, const list_kind *ka,
			 const void *b, const list_kind *kb)
{
	const pnode *na = name_node(a, ka), *nb = name_node(b, kb);

	if (!na || !nb)
		return;
	if (na->index < nb->index) {
		report_taken(ld, b, kb, a, ka);
		return;
	}
	plan_diag(ld, na, "%s '%s' is already taken by %s %s (at %u:%u)", ka->what,
		  plan_quote(ld, na->u.str), kb->kind, plan_quote(ld, name_of(b)),
		  nb->line, nb->col);
}

static int index_list(plan_load *ld, plan_index *ix, carve_arena *arena,
		      const plan_list *list, const list_kind *k)
{
	int err = plan_index_init(ix, arena, list->items, k->stride, list->count, k->nocase);

	for (size_t i = 0; !err && i < list->count; i++) {
		if (!*(const char *const *)item_at(list, k, i))
			continue;
		size_t first = plan_index_add(ix, i);
		if (first != CARVE_NONE)
			report_taken(ld, item_at(list, k, i), k, item_at(list, k, first), k);
	}
	return err;
}

/* The item node names, or CARVE_NONE, reported with a suggestion. */
static size_t resolve(plan_load *ld, const plan_index *ix, const plan_list *list,
		      const list_kind *k, const pnode *node)
{
	size_t i = node ? plan_index_find(ix, node->u.str) : CARVE_NONE;

	if (node && i == CARVE_NONE)
		plan_unknown(ld, node, k->kind, "", node->u.str,
			     plan_suggest(ld, node->u.str, list->items, k->stride, list->count));
	return i;
}

/* ---- positions ---- */

static const char *floor_name(plan_load *ld, size_t f)
{
	return plan_quote(ld, name_of(item_at(&ld->floors, &floor_kind, f)));
}

static void check_at(plan_load *ld, plan_machine_raw *m)
{
	const plan_floor_raw *fl = item_at(&ld->floors, &floor_kind, m->pub.floor);
	unsigned col = m->pub.x + 1, row = m->pub.y + 1;

	if (!fl->row_cols)
		return; /* the drawing itself was refused */
	if (m->pub.y >= fl->pub.row_count)
		plan_diag(ld, m->at, "position %u,%u is not on floor %s's map (it has %zu rows)",
			  col, row, floor_name(ld, m->pub.floor), fl->pub.row_count);
	else if (m->pub.x >= fl->row_cols[m->pub.y])
		plan_diag(ld, m->at, "position %u,%u is not on floor %s's map "
				     "(row %u has %zu columns)",
			  col, row, floor_name(ld, m->pub.floor), row, fl->row_cols[m->pub.y]);
	else
		m->placed = true;
}

/* Polynomial hash, so a window sliding over the drawing rolls it along. */
enum { ROLL = 257, MARKER_MAX_BYTES = 32 * 4 };

static uint64_t roll_hash(const char *s, size_t len)
{
	uint64_t h = 0;

	for (size_t i = 0; i < len; i++)
		h = h * ROLL + (unsigned char)s[i];
	return h;
}

typedef struct {
	const char *text;
	size_t len;
	uint64_t hash;
	size_t count;      /* occurrences on the drawing */
	unsigned row, col; /* of the first, 0-based; col in characters */
} marker_entry;

typedef struct {
	marker_entry *entries;
	size_t count;
	uint32_t *slots; /* entry + 1 */
	size_t mask;
} marker_table;

/* The slot of text, or the empty slot where it would go. */
static size_t marker_slot(const marker_table *t, const char *text, size_t len, uint64_t h)
{
	for (size_t s = (h ^ h >> 29) & t->mask;; s = (s + 1) & t->mask) {
		const marker_entry *e = t->slots[s] ? &t->entries[t->slots[s] - 1] : NULL;
		if (!e || (e->hash == h && e->len == len && memcmp(e->text, text, len) == 0))
			return s;
	}
}

/* Counts every window of len bytes on the drawing that is a marker. */
static void slide(marker_table *t, const char *map, size_t map_len, size_t len)
{
	uint64_t h = roll_hash(map, len), top = 1;
	unsigned row = 0, col = 0;

	for (size_t i = 1; i < len; i++)
		top *= ROLL;
	for (size_t i = 0;; i++) {
		size_t s = marker_slot(t, map + i, len, h);
		if (t->slots[s]) {
			marker_entry *e = &t->entries[t->slots[s] - 1];
			if (e->count++ == 0) {
				e->row = row;
				e->col = col;
			}
		}
		if (i + len >= map_len)
			break;
		if (map[i] == '\n') {
			row++;
			col = 0;
		} else if (((unsigned char)map[i] & 0xC0) != 0x80) {
			col++;
		}
		h = (h - (unsigned char)map[i] * top) * ROLL + (unsigned char)map[i + len];
	}
}

/* Places the n machines in ms, all on floor f with a marker: one pass over
 * the drawing per distinct marker length. */
static void place_markers(plan_load *ld, size_t f, plan_machine_raw **ms, size_t n)
{
	const plan_floor_raw *fl = item_at(&ld->floors, &floor_kind, f);
	size_t cap = 16, map_len = strlen(fl->map);
	bool lengths[MARKER_MAX_BYTES + 1] = { false };
	marker_table t = { 0 };

	while (cap < 2 * n)
		cap *= 2;
	t.entries = plan_scratch(ld, n, sizeof(*t.entries));
	t.slots = plan_scratch(ld, cap, sizeof(*t.slots));
	t.mask = cap - 1;
	if (!t.entries || !t.slots)
		return;
	for (size_t i = 0; i < n; i++) {
		const pnode *mk = ms[i]->marker;
		uint64_t h = roll_hash(mk->u.str, mk->len);
		size_t s = marker_slot(&t, mk->u.str, mk->len, h);
		if (!t.slots[s]) {
			t.entries[t.count] = (marker_entry){ mk->u.str, mk->len, h, 0, 0, 0 };
			t.slots[s] = (uint32_t)++t.count;
		}
		lengths[mk->len] = true;
	}
	for (size_t len = 1; len <= MARKER_MAX_BYTES; len++)
		if (lengths[len] && len <= map_len)
			slide(&t, fl->map, map_len, len);
	for (size_t i = 0; i < n; i++) {
		const pnode *mk = ms[i]->marker;
		const marker_entry *e = &t.entries[t.slots[marker_slot(&t, mk->u.str, mk->len,
									roll_hash(mk->u.str, mk->len))] - 1];
		if (e->count == 0) {
			plan_diag(ld, mk, "marker '%s' does not appear on floor %s's map",
				  plan_quote(ld, mk->u.str), floor_name(ld, f));
		} else if (e->count > 1) {
			plan_diag(ld, mk, "marker '%s' appears %zu times on floor %s's map",
				  plan_quote(ld, mk->u.str), e->count, floor_name(ld, f));
		} else {
			ms[i]->pub.x = e->col;
			ms[i]->pub.y = e->row;
			ms[i]->placed = true;
		}
	}
}

static int by_floor(const void *pa, const void *pb)
{
	const plan_machine_raw *a = *(plan_machine_raw *const *)pa;
	const plan_machine_raw *b = *(plan_machine_raw *const *)pb;

	if (a->pub.floor != b->pub.floor)
		return a->pub.floor < b->pub.floor ? -1 : 1;
	return a < b ? -1 : a > b;
}

/* Places the machines that name a marker, one floor at a time. */
static void check_markers(plan_load *ld)
{
	plan_machine_raw **order = plan_scratch(ld, ld->machines.count, sizeof(*order));
	size_t n = 0;

	if (!order)
		return;
	for (size_t i = 0; i < ld->machines.count; i++) {
		plan_machine_raw *m = item_at(&ld->machines, &machine_kind, i);
		if (m->marker && m->pub.floor != CARVE_NONE &&
		    ((const plan_floor_raw *)item_at(&ld->floors, &floor_kind, m->pub.floor))->map)
			order[n++] = m;
	}
	qsort(order, n, sizeof(*order), by_floor);
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && order[j]->pub.floor == order[i]->pub.floor; j++)
			;
		place_markers(ld, order[i]->pub.floor, order + i, j - i);
	}
}

static const pnode *position_node(const plan_machine_raw *m)
{
	return m->at ? m->at : m->marker;
}

/* No two machines at one position of one floor. */
static void check_shared(plan_load *ld)
{
	size_t cap = 16;
	uint32_t *slots;

	while (cap < 2 * ld->machines.count)
		cap *= 2;
	if (!(slots = plan_scratch(ld, cap, sizeof(*slots))))
		return;
	for (size_t i = 0; i < ld->machines.count; i++) {
		plan_machine_raw *m = item_at(&ld->machines, &machine_kind, i);
		const carve_machine *p = &m->pub;
		if (!m->placed)
			continue;
		uint64_t h = ((uint64_t)p->floor * 0x9E3779B97F4A7C15u) ^
			     ((uint64_t)p->y << 32 | p->x) * 0xC2B2AE3D27D4EB4Fu;
		size_t s = (size_t)(h ^ h >> 31) & (cap - 1);
		for (; slots[s]; s = (s + 1) & (cap - 1)) {
			const plan_machine_raw *o = item_at(&ld->machines, &machine_kind, slots[s] - 1);
			if (o->pub.floor == p->floor && o->pub.x == p->x && o->pub.y == p->y)
				break;
		}
		if (!slots[s]) {
			slots[s] = (uint32_t)(i + 1);
			continue;
		}
		const plan_machine_raw *o = item_at(&ld->machines, &machine_kind, slots[s] - 1);
		plan_diag(ld, position_node(m), "position %u,%u on floor %s is already taken "
				"by %s (at %u:%u)", p->x + 1, p->y + 1, floor_name(ld, p->floor),
			  plan_quote(ld, name_of(o)), position_node(o)->line,
			  position_node(o)->col);
	}
}

static void check_machine(plan_load *ld, plan_machine_raw *m, const plan_index *floors,
			  const plan_index *execs)
{
	carve_plan *plan = ld->plan;
	carve_machine *p = &m->pub;

	p->floor = resolve(ld, floors, &ld->floors, &floor_kind, m->floor);
	p->chunk = resolve(ld, &plan->chunk_index, &ld->chunks, &chunk_kind, m->chunk);
	p->user = resolve(ld, &plan->user_index, &ld->users, &user_kind, m->user);
	p->via = resolve(ld, execs, &ld->exec_hosts, &exec_kind, m->via);
	if (p->user != CARVE_NONE && p->chunk != CARVE_NONE) {
		const plan_user_raw *u = item_at(&ld->users, &user_kind, p->user);
		if (u->pub.chunk != CARVE_NONE && u->pub.chunk != p->chunk)
			plan_diag(ld, m->user, "machine %s is in chunk '%s' but its user '%s' "
					       "is in chunk '%s'", plan_quote(ld, name_of(m)),
				  plan_quote(ld, name_of(item_at(&ld->chunks, &chunk_kind, p->chunk))),
				  plan_quote(ld, name_of(u)),
				  plan_quote(ld, name_of(item_at(&ld->chunks, &chunk_kind,
								 u->pub.chunk))));
	}
	if (p->floor != CARVE_NONE && m->at)
		check_at(ld, m);
}

/* A mail host moves mailboxes across forests: what New-MoveRequest needs
 * from the plan is known now, not when the first move is started. */
static void check_mail(plan_load *ld)
{
	const carve_mail *mail = &ld->mail;

	for (size_t i = 0; i < ld->exec_hosts.count; i++) {
		plan_exec_raw *e = item_at(&ld->exec_hosts, &exec_kind, i);
		if (!e->role || e->pub.role != CARVE_ROLE_MAIL)
			continue;
		/* A missing site.source.account is plan_check_accounts()'s. */
		const char *missing =
			!mail->delivery_domain ? "mail.target_delivery_domain (the target's mail"
				" domain the source's mail users forward to, -TargetDeliveryDomain)"
			: mail->source_version >= 2010 && !mail->mrs_proxy
				? "mail.mrs_proxy (the source's MRSProxy endpoint, -RemoteHostName)"
			: mail->source_version < 2010 && !mail->remote_gc
				? "mail.remote_global_catalog (a global catalog of the source,"
				  " -RemoteGlobalCatalog)"
			: NULL;
		if (missing)
			plan_diag(ld, e->role, "exec host %s moves mailboxes, but the plan has no %s",
				  e->pub.name ? e->pub.name : "", missing);
		return;
	}
}

int plan_check(plan_load *ld)
{
	carve_plan *plan = ld->plan;
	plan_index floors, execs, teardown;
	int err;

	if ((err = index_list(ld, &execs, &ld->scratch, &ld->exec_hosts, &exec_kind)) < 0 ||
	    (err = index_list(ld, &floors, &ld->scratch, &ld->floors, &floor_kind)) < 0 ||
	    (err = index_list(ld, &plan->machine_index, &plan->arena, &ld->machines,
			      &machine_kind)) < 0 ||
	    (err = index_list(ld, &plan->user_index, &plan->arena, &ld->users, &user_kind)) < 0 ||
	    (err = index_list(ld, &plan->chunk_index, &plan->arena, &ld->chunks,
			      &chunk_kind)) < 0 ||
	    (err = index_list(ld, &teardown, &ld->scratch, &ld->teardown, &teardown_kind)) < 0 ||
	    (err = index_list(ld, &plan->account_index, &plan->arena, &ld->accounts,
			      &account_kind)) < 0)
		goto done;
	/* Who carve logs on as, everywhere it logs on. */
	for (size_t i = 0; i < ld->exec_hosts.count; i++) {
		plan_exec_raw *e = item_at(&ld->exec_hosts, &exec_kind, i);
		e->pub.account = resolve(ld, &plan->account_index, &ld->accounts, &account_kind,
					 e->account);
	}
	ld->transport.pub.account = resolve(ld, &plan->account_index, &ld->accounts,
					    &account_kind, ld->transport.account);
	ld->site.pub.source.account = resolve(ld, &plan->account_index, &ld->accounts,
					      &account_kind, ld->site.source_account);
	/* Machines and exec hosts share one NetBIOS namespace. */
	for (size_t i = 0; i < ld->exec_hosts.count; i++) {
		const void *e = item_at(&ld->exec_hosts, &exec_kind, i);
		size_t m = *(const char *const *)e
				   ? plan_index_find(&plan->machine_index, name_of(e))
				   : CARVE_NONE;
		if (m != CARVE_NONE)
			report_taken(ld, e, &exec_kind, item_at(&ld->machines, &machine_kind, m),
				     &machine_kind);
	}
	/* One ADMT server and one mail server: carve runs every chunk's ADMT
	 * and every move there, and would never use a second. */
	for (size_t i = 0; i < ld->exec_hosts.count; i++) {
		plan_exec_raw *e = item_at(&ld->exec_hosts, &exec_kind, i);
		if (!e->role || e->pub.role == CARVE_ROLE_MANAGEMENT)
			continue;
		for (size_t k = 0; k < i; k++) {
			plan_exec_raw *first = item_at(&ld->exec_hosts, &exec_kind, k);
			if (first->role && first->pub.role == e->pub.role) {
				plan_diag(ld, e->role, "a second exec host with role %s (%s is the "
					  "first): carve uses one; remove it or make it a "
					  "management host", carve_exec_role_name(e->pub.role),
					  first->pub.name ? first->pub.name : "another");
				break;
			}
		}
	}
	check_mail(ld);
	for (size_t i = 0; i < ld->users.count; i++) {
		plan_user_raw *u = item_at(&ld->users, &user_kind, i);
		u->pub.chunk = resolve(ld, &plan->chunk_index, &ld->chunks, &chunk_kind, u->chunk);
	}
	for (size_t i = 0; i < ld->machines.count; i++)
		check_machine(ld, item_at(&ld->machines, &machine_kind, i), &floors, &execs);
	check_markers(ld);
	check_shared(ld);
	plan_check_accounts(ld);
	if (ld->oom)
		err = carve_error_oom();
done:
	return err;
}
