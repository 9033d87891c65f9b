/*
 * main.c - carve-lab: a simulated Windows site over SSH, for the demo, for
 * rehearsals and for carve's tests.
 *
 *   carve-lab --fixture FILE [--journal FILE] [--known-hosts FILE]
 *   carve-lab --generate N --out DIR [--asleep PCT] [--failing PCT] [--seed S]
 *             [--base-port P] [--chunks K]
 *   carve-lab --from-audit DB --plan PLAN --out DIR [--base-port P]
 */
#include "lab.h"

#include <getopt.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
	fputs("usage: carve-lab --fixture FILE [--journal FILE] [--known-hosts FILE]\n"
	      "       carve-lab --generate N --out DIR [--asleep PCT] [--failing PCT]\n"
	      "                 [--seed S] [--base-port P] [--chunks K]\n"
	      "       carve-lab --from-audit DB --plan PLAN --out DIR [--base-port P]\n"
	      "\n"
	      "Serves every host of the fixture on its own port of 127.0.0.1, prints\n"
	      "one line per endpoint (name, address, host key fingerprint), then a line\n"
	      "starting 'ready'.  SIGHUP re-reads the fixture (state and faults; ports\n"
	      "stay); SIGTERM or SIGINT stops it.\n"
	      "\n"
	      "  --fixture FILE       the simulated site (see config/lab-fixture.yaml)\n"
	      "  --journal FILE       append every connection, command and state change\n"
	      "                       as JSON lines\n"
	      "  --known-hosts FILE   write the endpoints' host keys as a known-hosts file\n"
	      "\n"
	      "--generate writes DIR/lab-fixture.yaml and DIR/lab-site.yaml, the plan that\n"
	      "points at it, for N machines, each with a user and a mailbox: PCT% asleep\n"
	      "(default 10) and PCT% failing one pre-flight check each (default 25; a\n"
	      "third of that share also gets a mailbox whose move will fail), ports from\n"
	      "P (default 22000), in K chunks (default 3, or one per 100 machines; at\n"
	      "most 6), and when missing the client key and the accounts' throwaway\n"
	      "passwords in DIR/.lab (give them to carve with --password-fd 3\n"
	      "3<DIR/.lab/passwords).\n"
	      "\n"
	      "--from-audit writes DIR/lab-fixture.yaml with PLAN's machines and users as\n"
	      "carve's audit log DB last recorded them (what each check found, the\n"
	      "restarts that never ended, ADMT's failures, the moves' mailboxes), and\n"
	      "DIR/lab-site.yaml, PLAN pointed at the lab (ports from P, default 22000):\n"
	      "the next chunk's rehearsal, against the site as it answered.\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "fixture", required_argument, NULL, 'f' },
		{ "journal", required_argument, NULL, 'j' },
		{ "known-hosts", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ "generate", required_argument, NULL, 'g' },
		{ "out", required_argument, NULL, 'o' },
		{ "asleep", required_argument, NULL, 'a' },
		{ "failing", required_argument, NULL, 'F' },
		{ "seed", required_argument, NULL, 's' },
		{ "base-port", required_argument, NULL, 'p' },
		{ "chunks", required_argument, NULL, 'c' },
		{ "from-audit", required_argument, NULL, 'A' },
		{ "plan", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	const char *fixture = NULL, *journal = NULL, *known_hosts = NULL, *audit = NULL,
		   *plan = NULL;
	lab_gen gen = { 0, 10, 25, 1, 22000, 0, NULL };
	lab_site site;
	int c;

	while ((c = getopt_long(argc, argv, "f:j:k:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': fixture = optarg; break;
		case 'j': journal = optarg; break;
		case 'k': known_hosts = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'g': gen.n = strtoul(optarg, NULL, 10); break;
		case 'o': gen.out = optarg; break;
		case 'a': gen.asleep_pct = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'F': gen.failing_pct = (unsigned)strtoul(optarg, NULL, 10); break;
		case 's': gen.seed = strtoul(optarg, NULL, 10); break;
		case 'p': gen.base_port = atoi(optarg); break;
		case 'c': gen.chunks = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'A': audit = optarg; break;
		case 'P': plan = optarg; break;
		default: usage(stderr); return 2;
		}
	}
	if (gen.n && gen.out && !fixture && !audit && optind == argc)
		return lab_generate(&gen);
	if (audit || plan) {
		if (!audit || !plan || !gen.out || fixture || gen.n || optind != argc) {
			fputs("carve-lab: --from-audit needs --plan and --out, and nothing else but"
			      " --base-port\n", stderr);
			return 2;
		}
		return lab_from_audit(audit, plan, gen.out, gen.base_port);
	}
	if (!fixture || optind != argc) {
		usage(stderr);
		return 2;
	}
	/* A socket per endpoint and per connection: a thousand hosts need more
	 * descriptors than the default soft limit. */
	struct rlimit nofile;
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	memset(&site, 0, sizeof(site));
	pthread_mutex_init(&site.lock, NULL);
	pthread_cond_init(&site.core_free, NULL);
	if (lab_fixture_load(&site.fixture, fixture) < 0)
		return 2;
	FILE *j = NULL;
	if (journal && !(j = fopen(journal, "a"))) {
		fprintf(stderr, "carve-lab: cannot open the journal %s\n", journal);
		return 2;
	}
	lab_journal_open(j);
	int status = lab_serve(&site, known_hosts);
	if (j)
		fclose(j);
	lab_fixture_done(&site.fixture);
	free(site.disabled_users);
	free(site.load);
	return status;
}
