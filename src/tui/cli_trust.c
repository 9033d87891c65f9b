/*
 * cli_trust.c - carve trust: fetch the hosts' SSH keys, show their
 * fingerprints, and record the new ones in carve's known-hosts file once a
 * person confirms.  A changed key is never replaced here: it is reported,
 * written to the audit log, and left for a person to investigate.
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
	const char *name;
	const char *address;
	uint16_t port;
	const char *chunk; /* NULL for exec hosts */
	carve_hostkey key;
	int err;
	char message[512];
} target;

typedef struct {
	const carve_plan *plan;
	target *t;
} scan_ctx;

static void scan_one(size_t i, void *arg)
{
	scan_ctx *c = arg;
	target *t = &c->t[i];
	carve_ssh_options o;

	carve_ssh_options_from_plan(&o, c->plan, CARVE_NONE, t->address, t->port);
	if ((t->err = carve_ssh_scan(&t->key, &o)) < 0)
		snprintf(t->message, sizeof(t->message), "%s", carve_error_last()->message);
}

static void add_exec_hosts(target *t, size_t *n, const carve_plan *plan)
{
	size_t count;
	const carve_exec_host *e = carve_plan_exec_hosts(plan, &count);

	for (size_t i = 0; i < count; i++)
		t[(*n)++] = (target){ .name = e[i].name, .address = e[i].address,
				      .port = e[i].port };
}

static void add_machine(target *t, size_t *n, const carve_plan *plan, size_t i)
{
	size_t count;
	const carve_machine *m = carve_plan_machines(plan, &count);
	const carve_chunk *chunks = carve_plan_chunks(plan, &count);

	t[(*n)++] = (target){ .name = m[i].name, .address = m[i].address,
			      .port = m[i].port, .chunk = chunks[m[i].chunk].name };
}

/* The hosts to scan: named ones, or a chunk's direct machines and the exec
 * hosts, or every host carve reaches over SSH. */
static int pick_targets(target **out, size_t *n, const carve_plan *plan,
			const char *chunk, char **names, int n_names)
{
	size_t n_machines, n_exec;
	const carve_machine *m = carve_plan_machines(plan, &n_machines);
	const carve_exec_host *e = carve_plan_exec_hosts(plan, &n_exec);
	target *t = calloc(n_machines + n_exec + 1, sizeof(*t));
	size_t chunk_index = CARVE_NONE;

	*out = t;
	*n = 0;
	if (!t) {
		fprintf(stderr, "carve: out of memory\n");
		return EXIT_RUNTIME;
	}
	if (chunk && (chunk_index = carve_plan_find_chunk(plan, chunk)) == CARVE_NONE)
		return cli_usage_error("trust", "no chunk '%s' in %s", chunk,
				       carve_plan_path(plan));
	if (n_names == 0) {
		add_exec_hosts(t, n, plan);
		for (size_t i = 0; i < n_machines; i++)
			if (m[i].reach == CARVE_REACH_DIRECT &&
			    (chunk_index == CARVE_NONE || m[i].chunk == chunk_index))
				add_machine(t, n, plan, i);
		return EXIT_DONE;
	}
	for (int k = 0; k < n_names; k++) {
		size_t i = carve_plan_find_machine(plan, names[k]);
		if (i != CARVE_NONE && m[i].reach == CARVE_REACH_DIRECT) {
			add_machine(t, n, plan, i);
			continue;
		}
		if (i != CARVE_NONE)
			return cli_usage_error("trust", "%s is reached through an exec host, "
					       "not over SSH: trust that host instead", m[i].name);
		size_t j = 0;
		while (j < n_exec && strcasecmp(e[j].name, names[k]) != 0)
			j++;
		if (j == n_exec)
			return cli_usage_error("trust", "no machine or exec host '%s' in %s",
					       names[k], carve_plan_path(plan));
		t[(*n)++] = (target){ .name = e[j].name, .address = e[j].address,
				      .port = e[j].port };
	}
	return EXIT_DONE;
}

/* Writes one audit event per key in state (changed and other type, or
 * unknown ones just recorded): the evidence of a refusal, or of a key a
 * person accepted. */
static int audit_keys(const carve_plan *plan, const char *db_opt, const target *t, size_t n,
		      bool recorded)
{
	carve_audit *audit = NULL;
	int64_t run = 0;
	int status, err = 0;

	if ((status = cli_begin_run(&audit, &run, db_opt, plan, "trust")) != EXIT_DONE)
		return status;
	for (size_t i = 0; i < n && err == 0; i++) {
		carve_hostkey_state st = t[i].key.state;
		if (t[i].err < 0 || (recorded ? st != CARVE_HOSTKEY_UNKNOWN
					      : st != CARVE_HOSTKEY_CHANGED &&
						st != CARVE_HOSTKEY_OTHER))
			continue;
		err = carve_audit_hostkey(audit, run, t[i].chunk, t[i].name, t[i].address,
					  t[i].port, &t[i].key);
	}
	status = err < 0 ? cli_engine_error(err) : EXIT_DONE;
	if (cli_end_run(audit, run) < 0 && status == EXIT_DONE)
		status = EXIT_RUNTIME;
	carve_audit_free(audit);
	return status;
}

static bool confirm(size_t n, const char *file)
{
	char line[16];

	printf("Record %zu new host key%s in %s? [y/N] ", n, n == 1 ? "" : "s", file);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin)) {
		putchar('\n');
		return false;
	}
	line[strcspn(line, "\r\n")] = '\0';
	return strcasecmp(line, "y") == 0 || strcasecmp(line, "yes") == 0;
}

static int record(const carve_plan *plan, const char *db_opt, target *t, size_t n,
		  size_t fresh, bool yes)
{
	const char *file = carve_plan_transport(plan)->known_hosts;
	char *fallback = NULL;
	int status = EXIT_DONE;

	if (!file && !(file = fallback = carve_known_hosts_default_path()))
		return cli_engine_error(carve_error_last()->code);
	if (!yes && !confirm(fresh, file)) {
		printf("nothing recorded\n");
		free(fallback);
		return EXIT_FAILURES;
	}
	for (size_t i = 0; i < n; i++) {
		if (t[i].err < 0 || t[i].key.state != CARVE_HOSTKEY_UNKNOWN)
			continue;
		int err = carve_known_hosts_add(file, t[i].key.entry);
		if (err < 0) {
			status = cli_engine_error(err);
			break;
		}
	}
	if (status == EXIT_DONE) {
		printf("recorded %zu key%s in %s\n", fresh, fresh == 1 ? "" : "s", file);
		status = audit_keys(plan, db_opt, t, n, true);
	}
	free(fallback);
	return status;
}

int cli_trust(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "chunk", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "yes", no_argument, NULL, 'y' },
		{ NULL, 0, NULL, 0 },
	};
	const char *chunk = NULL, *db_opt = NULL;
	bool yes = false;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":y", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': chunk = optarg; break;
		case 'd': db_opt = optarg; break;
		case 'y': yes = true; break;
		default: return cli_option_error("trust", c, argv);
		}
	}
	if (optind >= argc)
		return cli_usage_error("trust", "name a PLAN");
	if (chunk && argc - optind > 1)
		return cli_usage_error("trust", "give --chunk or host names, not both");

	carve_plan *plan = NULL;
	target *t = NULL;
	size_t n = 0, fresh = 0, bad = 0, failed = 0;
	int status;

	if ((status = cli_load_plan(&plan, argv[optind])) != EXIT_DONE ||
	    (status = pick_targets(&t, &n, plan, chunk, argv + optind + 1,
				   argc - optind - 1)) != EXIT_DONE)
		goto done;

	scan_ctx ctx = { plan, t };
	int err = carve_pool_run(n, carve_plan_transport(plan)->concurrency, NULL, NULL,
				 scan_one, &ctx);
	if (err < 0) {
		status = cli_engine_error(err);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		const char *verdict = "";
		if (t[i].err < 0) {
			failed++;
			printf("%-15s %-22s %s\n", t[i].name, t[i].address, t[i].message);
			continue;
		}
		switch (t[i].key.state) {
		case CARVE_HOSTKEY_KNOWN: verdict = "known"; break;
		case CARVE_HOSTKEY_UNKNOWN: verdict = "NEW"; fresh++; break;
		case CARVE_HOSTKEY_CHANGED: verdict = "CHANGED - refused"; bad++; break;
		default: verdict = "OTHER TYPE ON FILE - refused"; bad++; break;
		}
		printf("%-15s %-22s %-20s %s  %s\n", t[i].name, t[i].address, t[i].key.type,
		       t[i].key.fingerprint, verdict);
	}
	printf("%zu hosts: %zu known, %zu new, %zu changed, %zu unreachable\n", n,
	       n - fresh - bad - failed, fresh, bad, failed);
	if (bad && (status = audit_keys(plan, db_opt, t, n, false)) != EXIT_DONE)
		goto done;
	if (bad)
		fprintf(stderr, "carve: %zu host%s changed keys; written to the audit log. "
			"Find out why before removing the old line from the known-hosts "
			"file.\n", bad, bad == 1 ? " has" : "s have");
	if (fresh)
		status = record(plan, db_opt, t, n, fresh, yes);
	if (status == EXIT_DONE && (bad || failed))
		status = EXIT_FAILURES;
done:
	free(t);
	carve_plan_free(plan);
	return status;
}
