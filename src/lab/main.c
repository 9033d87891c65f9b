/*
 * main.c - carve-lab: a simulated Windows site over SSH, for the demo, for
 * rehearsals and for carve's tests.
 *
 *   carve-lab --fixture FILE [--journal FILE] [--known-hosts FILE]
 */
#include "lab.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
	fputs("usage: carve-lab --fixture FILE [--journal FILE] [--known-hosts FILE]\n"
	      "\n"
	      "Serves every host of the fixture on its own port of 127.0.0.1, prints\n"
	      "one line per endpoint (name, address, host key fingerprint), then a line\n"
	      "starting 'ready'.  SIGHUP re-reads the fixture (state and faults; ports\n"
	      "stay); SIGTERM or SIGINT stops it.\n"
	      "\n"
	      "  --fixture FILE       the simulated site (see config/lab-fixture.yaml)\n"
	      "  --journal FILE       append every connection, command and state change\n"
	      "                       as JSON lines\n"
	      "  --known-hosts FILE   write the endpoints' host keys as a known-hosts file\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "fixture", required_argument, NULL, 'f' },
		{ "journal", required_argument, NULL, 'j' },
		{ "known-hosts", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *fixture = NULL, *journal = NULL, *known_hosts = NULL;
	lab_site site;
	int c;

	while ((c = getopt_long(argc, argv, "f:j:k:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': fixture = optarg; break;
		case 'j': journal = optarg; break;
		case 'k': known_hosts = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!fixture || optind != argc) {
		usage(stderr);
		return 2;
	}
	memset(&site, 0, sizeof(site));
	pthread_mutex_init(&site.lock, NULL);
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
	return status;
}
