/*
 * plan.c - loading a site plan (the entry points and what the passes share:
 * diagnostics, did-you-mean, the name index) and the plan's accessors.
 */
#include "plan_internal.h"
#include "secret_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------ name index */

static uint64_t hash_name(const char *s, bool nocase)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (nocase && c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		h = (h ^ c) * UINT64_C(0x100000001b3);
	}
	return h;
}

static const char *index_name(const plan_index *ix, size_t i)
{
	return *(const char *const *)((const char *)ix->base + i * ix->stride);
}

/* The slot holding name, or the empty slot where it would go. */
static size_t index_slot(const plan_index *ix, const char *name)
{
	for (size_t s = hash_name(name, ix->nocase) & ix->mask;; s = (s + 1) & ix->mask) {
		const char *other = ix->slots[s] ? index_name(ix, ix->slots[s] - 1) : NULL;
		if (!other || (ix->nocase ? carve_strcasecmp(other, name) : strcmp(other, name)) == 0)
			return s;
	}
}

int plan_index_init(plan_index *ix, carve_arena *arena, const void *base,
		    size_t stride, size_t count, bool nocase)
{
	size_t cap = 16;

	while (cap < 2 * count)
		cap *= 2;
	*ix = (plan_index){ base, stride, nocase, NULL, cap - 1 };
	if (!(ix->slots = carve_arena_calloc(arena, cap, sizeof(*ix->slots))))
		return carve_error_oom();
	return 0;
}

size_t plan_index_add(plan_index *ix, size_t i)
{
	size_t s = index_slot(ix, index_name(ix, i));

	if (ix->slots[s])
		return ix->slots[s] - 1;
	ix->slots[s] = (uint32_t)(i + 1);
	return CARVE_NONE;
}

size_t plan_index_find(const plan_index *ix, const char *name)
{
	size_t s;

	if (!ix->slots || !name)
		return CARVE_NONE;
	s = index_slot(ix, name);
	return ix->slots[s] ? ix->slots[s] - 1 : CARVE_NONE;
}

/* ------------------------------------------------------------ diagnostics */

void plan_diag(plan_load *ld, const pnode *at, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	carve_diags_add(ld->diags, at->line, at->col, "%s", msg);
}

const char *plan_quote(plan_load *ld, const char *s)
{
	return plan_show(&ld->scratch, s, strlen(s));
}

void *plan_scratch(plan_load *ld, size_t n, size_t size)
{
	void *p = carve_arena_calloc(&ld->scratch, n ? n : 1, size);

	if (!p)
		ld->oom = true;
	return p;
}

static int fold(char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Optimal string alignment distance ignoring ASCII case, capped at 3. */
static unsigned distance(const char *a, size_t la, const char *b, size_t lb)
{
	unsigned rows[3][65], *prev2 = rows[0], *prev = rows[1], *cur = rows[2];

	for (size_t j = 0; j <= lb; j++)
		prev[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned low = cur[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			int ca = fold(a[i - 1]), cb = fold(b[j - 1]);
			unsigned d = prev[j - 1] + (ca != cb);
			if (prev[j] + 1 < d)
				d = prev[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			if (i > 1 && j > 1 && ca == fold(b[j - 2]) && fold(a[i - 2]) == cb &&
			    prev2[j - 2] + 1 < d)
				d = prev2[j - 2] + 1;
			cur[j] = d;
			if (d < low)
				low = d;
		}
		if (low > 2)
			return 3;
		unsigned *t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb] < 3 ? prev[lb] : 3;
}

const char *plan_suggest(plan_load *ld, const char *word, const void *base,
			 size_t stride, size_t count)
{
	enum { LONGEST = 64 };
	size_t lw = strnlen(word, LONGEST + 1);
	const char *best = NULL;
	unsigned best_d = 3;

	if (lw > LONGEST)
		return NULL;
	for (size_t i = 0; i < count && best_d > 0; i++) {
		const char *c = *(const char *const *)((const char *)base + i * stride);
		size_t lc = c ? strnlen(c, LONGEST + 1) : LONGEST + 1;
		size_t cost = 1 + (lc > LONGEST ? 0 : lw * lc);

		/* A plan with thousands of bad names against thousands of
		 * good ones would spend seconds here; a hint is not worth it. */
		if (cost > ld->suggest_budget)
			break;
		ld->suggest_budget -= cost;
		if (lc > LONGEST || lc + 2 < lw || lw + 2 < lc)
			continue;
		/* Two edits to a two-letter word is any two-letter word. */
		unsigned d = distance(word, lw, c, lc);
		if (d < best_d && d < (lw < lc ? lw : lc)) {
			best_d = d;
			best = c;
		}
	}
	return best;
}

void plan_unknown(plan_load *ld, const pnode *node, const char *kind,
		  const char *where, const char *word, const char *suggestion)
{
	if (suggestion)
		plan_diag(ld, node, "unknown %s '%s'%s (did you mean '%s'?)", kind,
			  plan_quote(ld, word), where, plan_quote(ld, suggestion));
	else
		plan_diag(ld, node, "unknown %s '%s'%s", kind, plan_quote(ld, word), where);
}

/* ------------------------------------------------------------ loading */

/* The seed's checklist: seven Exchange steps, then five Active Directory. */
static const carve_teardown_item default_teardown[] = {
	{ "ex-mailboxes", CARVE_AREA_EXCHANGE,
	  "Confirm that there are no outstanding mailboxes which need to be migrated",
	  CARVE_VERIFY_MAILBOXES },
	{ "ex-groups", CARVE_AREA_EXCHANGE,
	  "Migrate and merge all mail-enabled groups one final time to update "
	  "distribution list memberships", CARVE_VERIFY_NONE },
	{ "ex-authoritative", CARVE_AREA_EXCHANGE,
	  "Make the target hub transport servers authoritative for the namespace",
	  CARVE_VERIFY_NONE },
	{ "ex-mx", CARVE_AREA_EXCHANGE,
	  "Point MX records for the namespace to the target Exchange servers", CARVE_VERIFY_MX },
	{ "ex-autodiscover", CARVE_AREA_EXCHANGE,
	  "Deploy a public autodiscover record for the namespace", CARVE_VERIFY_AUTODISCOVER },
	{ "ex-send-connector", CARVE_AREA_EXCHANGE,
	  "Remove the send connector to the source Exchange servers", CARVE_VERIFY_NONE },
	{ "ex-source-connector", CARVE_AREA_EXCHANGE,
	  "Have the source domain admins remove their send connector to the target "
	  "Exchange servers", CARVE_VERIFY_NONE },
	{ "ad-fileshares", CARVE_AREA_AD,
	  "Ensure that all file shares have been migrated", CARVE_VERIFY_NONE },
	{ "ad-forwarders", CARVE_AREA_AD,
	  "Remove the DNS conditional forwarders for the source domain", CARVE_VERIFY_NONE },
	{ "ad-source-forwarders", CARVE_AREA_AD,
	  "Have the source domain admins remove the DNS conditional forwarders for the "
	  "target domain", CARVE_VERIFY_NONE },
	{ "ad-workstations", CARVE_AREA_AD,
	  "Verify that all workstations were migrated (network traffic logs) and migrate "
	  "any outstanding ones", CARVE_VERIFY_WORKSTATIONS },
	{ "ad-trust", CARVE_AREA_AD, "Remove the trust to the source domain", CARVE_VERIFY_NONE },
};

/* The public structs of a raw list, moved into the plan's arena. */
static const void *publish(plan_load *ld, const plan_list *list, size_t raw_size,
			   size_t pub_size, size_t *count)
{
	char *out = carve_arena_calloc(&ld->plan->arena, list->count ? list->count : 1, pub_size);

	if (!out) {
		ld->oom = true;
		return NULL;
	}
	for (size_t i = 0; i < list->count; i++)
		memcpy(out + i * pub_size, (const char *)list->items + i * raw_size, pub_size);
	*count = list->count;
	return out;
}

#define PUBLISH(ld, list, raw, pub, count) \
	publish(ld, &(ld)->list, sizeof(raw), sizeof(pub), count)

static int assemble(plan_load *ld)
{
	carve_plan *p = ld->plan;
	int err;

	p->site = ld->site.pub;
	p->mail = ld->mail;
	p->policy = ld->policy;
	memcpy(p->commands, ld->commands, sizeof(p->commands));
	p->transport = ld->transport.pub;
	p->exec_hosts = PUBLISH(ld, exec_hosts, plan_exec_raw, carve_exec_host,
				&p->exec_host_count);
	p->floors = PUBLISH(ld, floors, plan_floor_raw, carve_floor, &p->floor_count);
	p->machines = PUBLISH(ld, machines, plan_machine_raw, carve_machine, &p->machine_count);
	p->users = PUBLISH(ld, users, plan_user_raw, carve_user, &p->user_count);
	p->chunks = PUBLISH(ld, chunks, plan_chunk_raw, carve_chunk, &p->chunk_count);
	p->accounts = PUBLISH(ld, accounts, plan_account_raw, carve_account, &p->account_count);
	if (ld->teardown.node) {
		p->teardown = PUBLISH(ld, teardown, plan_teardown_raw, carve_teardown_item,
				      &p->teardown_count);
	} else {
		p->teardown = default_teardown;
		p->teardown_count = CARVE_ARRAY_SIZE(default_teardown);
	}
	/* The indexes were built over the raw lists; the items keep their
	 * order, so only where they live changes. */
	p->machine_index.base = p->machines;
	p->machine_index.stride = sizeof(carve_machine);
	p->user_index.base = p->users;
	p->user_index.stride = sizeof(carve_user);
	p->chunk_index.base = p->chunks;
	p->chunk_index.stride = sizeof(carve_chunk);
	p->account_index.base = p->accounts;
	p->account_index.stride = sizeof(carve_account);
	if (ld->name && !(p->path = carve_arena_strdup(&p->arena, ld->name)))
		ld->oom = true;
	if (ld->oom)
		return carve_error_oom();
	if ((err = carve_sha256_hex(p->hash, ld->buf, ld->len)) < 0)
		return err;
	return secret_store_init(p);
}

int carve_plan_load_buffer(carve_plan **out, carve_diags **diags,
			   const char *name, const char *buf, size_t len)
{
	plan_load ld = { .name = name, .buf = buf ? buf : "", .len = buf ? len : 0,
			 /* DP cells for did-you-mean: ~20 ms at worst */
			 .suggest_budget = (size_t)1 << 24 };
	pnode *root = NULL;
	int err = 0;

	*out = NULL;
	if (diags)
		*diags = NULL;
	carve_arena_init(&ld.scratch, 256 * 1024);
	plan_src_start(&ld.cursor, ld.buf, ld.len);
	if (!(ld.diags = carve_diags_new(name)) || !(ld.plan = calloc(1, sizeof(*ld.plan)))) {
		err = carve_error_oom();
		goto done;
	}
	carve_arena_init(&ld.plan->arena, 0);
	if (ld.len > PLAN_MAX_BYTES)
		carve_diags_add(ld.diags, 1, 1, "plan file is larger than 16 MiB");
	else if ((err = plan_yaml_parse(&root, &ld.scratch, ld.diags, ld.buf, ld.len)) < 0)
		goto done;
	if (root) {
		plan_walk(&ld, root);
		if ((err = plan_check(&ld)) < 0)
			goto done;
	}
	if ((err = carve_diags_finish(ld.diags)) < 0)
		goto done;
	if (carve_diags_count(ld.diags) > 0) {
		err = carve_error_set(CARVE_EINVALID, "%s: %zu problems in the site plan",
				      name ? name : "<input>", carve_diags_count(ld.diags));
		goto done;
	}
	if ((err = assemble(&ld)) < 0)
		goto done;
	*out = ld.plan;
	ld.plan = NULL;
done:
	carve_arena_done(&ld.scratch);
	carve_plan_free(ld.plan);
	if (err == CARVE_EINVALID && diags) {
		*diags = ld.diags;
		ld.diags = NULL;
	}
	carve_diags_free(ld.diags);
	return err;
}

int carve_plan_load(carve_plan **out, carve_diags **diags, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	int err;

	*out = NULL;
	if (diags)
		*diags = NULL;
	/* One byte past the limit is enough to tell the file is too big. */
	if ((err = carve_file_read(&buf, &len, path, PLAN_MAX_BYTES + 1)) < 0)
		goto done;
	err = carve_plan_load_buffer(out, diags, path, buf, len);
done:
	free(buf);
	return err;
}

void carve_plan_free(carve_plan *plan)
{
	if (!plan)
		return;
	secret_store_done(plan);
	carve_arena_done(&plan->arena);
	free(plan);
}

/* ------------------------------------------------------------ accessors */

const char *carve_plan_path(const carve_plan *plan) { return plan->path; }
const char *carve_plan_hash(const carve_plan *plan) { return plan->hash; }
const carve_site *carve_plan_site(const carve_plan *plan) { return &plan->site; }
const carve_mail *carve_plan_mail(const carve_plan *plan) { return &plan->mail; }
const carve_policy *carve_plan_policy(const carve_plan *plan) { return &plan->policy; }

const carve_transport *carve_plan_transport(const carve_plan *plan)
{
	return &plan->transport;
}

#define LIST_ACCESSOR(fn, type, items, n) \
	const type *fn(const carve_plan *plan, size_t *count) \
	{ \
		if (count) \
			*count = plan->n; \
		return plan->items; \
	}

LIST_ACCESSOR(carve_plan_exec_hosts, carve_exec_host, exec_hosts, exec_host_count)
LIST_ACCESSOR(carve_plan_floors, carve_floor, floors, floor_count)
LIST_ACCESSOR(carve_plan_machines, carve_machine, machines, machine_count)
LIST_ACCESSOR(carve_plan_users, carve_user, users, user_count)
LIST_ACCESSOR(carve_plan_chunks, carve_chunk, chunks, chunk_count)
LIST_ACCESSOR(carve_plan_teardown, carve_teardown_item, teardown, teardown_count)
LIST_ACCESSOR(carve_plan_accounts, carve_account, accounts, account_count)

size_t carve_plan_find_machine(const carve_plan *plan, const char *name)
{
	return plan_index_find(&plan->machine_index, name);
}

size_t carve_plan_find_user(const carve_plan *plan, const char *name)
{
	return plan_index_find(&plan->user_index, name);
}

size_t carve_plan_find_chunk(const carve_plan *plan, const char *name)
{
	return plan_index_find(&plan->chunk_index, name);
}

size_t carve_plan_find_account(const carve_plan *plan, const char *name)
{
	return plan_index_find(&plan->account_index, name);
}
