/*
 * gen_plan - write a large synthetic but valid site plan to stdout.
 *
 *   gen_plan N [--chunks C] [--floors F]
 *
 * N machines (WS-000001 ...), one user each (u000001 ...), C chunks
 * (default max(3, N/300)), F floors (default max(2, N/500)), three exec hosts
 * (ADMT01, E2E01, MGMT01).  OS mix 30% xp (reached via MGMT01), 40% 7,
 * 30% 10.  Each floor is drawn as a grid of "[ ]" desks, four columns apart
 * and two rows apart, no row wider than 400 columns; every machine sits
 * inside a desk with `at: [col, row]`.  The output is a pure function of the
 * arguments, so plan-load benchmarks are comparable between runs.
 *
 * The output is about 250 bytes per machine: above roughly 65000 machines it
 * exceeds the loader's 16 MiB file limit (which is a way to test that limit).
 *
 * Used by the plan-load benchmark; standalone (does not call libcarve).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MACHINES 10000000UL
#define MAX_CHUNKS 100000UL
#define MAX_FLOORS 100000UL
/* Desks are 4 columns apart: a desk row is 4 * desks + 3 columns wide. */
#define MAX_DESKS_PER_ROW 99UL

static unsigned long nmachines, nchunks, nfloors;

static void usage(FILE *f)
{
	fprintf(f, "usage: gen_plan N [--chunks C] [--floors F]\n"
		   "  Write a synthetic site plan with N machines and N users to stdout.\n"
		   "  Defaults: C = max(3, N/300), F = max(2, N/500).\n"
		   "  About 250 bytes per machine: N above ~65000 exceeds the 16 MiB plan limit.\n");
}

static int parse_count(const char *s, unsigned long min, unsigned long max,
		       unsigned long *out)
{
	char *end;
	unsigned long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* splitmix64: a fixed, well-mixed hash of an index. */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Machine i lives on floor i / per_floor; the last floor may hold fewer. */
static unsigned long per_floor(void)
{
	return nmachines == 0 ? 0 : (nmachines + nfloors - 1) / nfloors;
}

static unsigned long floor_count(unsigned long f)
{
	unsigned long pf = per_floor(), first = f * pf;

	if (first >= nmachines)
		return 0;
	return nmachines - first < pf ? nmachines - first : pf;
}

/* Desks per row: roughly twice as wide as deep, at most MAX_DESKS_PER_ROW. */
static unsigned long desks_per_row(unsigned long count)
{
	unsigned long d = 1;

	while (d * d < 2 * count && d < MAX_DESKS_PER_ROW)
		d++;
	return d;
}

static unsigned long chunk_of(unsigned long i)
{
	/* Contiguous blocks, so a chunk spans neighbouring desks and floors. */
	return (unsigned long)((unsigned long long)i * nchunks / nmachines);
}

/* 30% xp, 40% 7, 30% 10, exact for every ten machines. */
static const char *os_of(unsigned long i)
{
	static const char *const pattern[10] = {
		"xp", "7", "10", "7", "xp", "10", "7", "10", "7", "xp",
	};
	return pattern[i % 10];
}

static unsigned outlook_of(unsigned long i, const char *os)
{
	unsigned r = (unsigned)(mix(i) % 100);

	if (strcmp(os, "xp") == 0)
		return r < 90 ? 2003 : 2007;
	if (strcmp(os, "7") == 0)
		return r < 25 ? 2003 : r < 50 ? 2007 : 2010;
	return r < 80 ? 2016 : 2010;
}

static const char *activesync_of(unsigned long i)
{
	static const char *const devices[] = {
		"iPhone 4S", "iPhone 5", "Samsung Galaxy S3", "HTC One X",
		"Nokia Lumia 920", "iPad 2",
	};
	uint64_t h = mix(i ^ 0x5a5a5a5aULL);

	if (h % 8 != 0)
		return NULL;
	return devices[(h >> 8) % (sizeof devices / sizeof devices[0])];
}

/* Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm). */
static void civil_from_days(long z, int *y, unsigned *m, unsigned *d)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long yy = (long)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yy + (*m <= 2));
}

static void put_header(void)
{
	printf("# Synthetic site plan written by gen_plan %lu --chunks %lu --floors %lu.\n"
	       "# For benchmarks only: every name, address and desk is made up.\n"
	       "\n"
	       "site:\n"
	       "  name: Synthetic carve-out (%lu machines)\n"
	       "  source:\n"
	       "    netbios: FABRIKAM\n"
	       "    dns: fabrikam.local\n"
	       "    account: source\n"
	       "  target:\n"
	       "    netbios: CONTOSO\n"
	       "    dns: contoso.com\n"
	       "    ou: \"OU=Migrated,OU=Workstations,DC=contoso,DC=com\"\n"
	       "  migrator: svc_targetmigrator\n"
	       "\n"
	       "accounts:\n"
	       "  - { name: migrator, user: 'CONTOSO\\svc_targetmigrator' }\n"
	       "  - { name: source, user: 'FABRIKAM\\carve-src' }\n"
	       "  - { name: desk, user: 'FABRIKAM\\carve-ws', auth: agent }\n"
	       "\n"
	       "mail:\n"
	       "  source_namespace: mail.fabrikam.com\n"
	       "  mrs_proxy: mail.fabrikam.com\n"
	       "  target_delivery_domain: contoso.com\n"
	       "  target_mailbox_server: 10.20.0.15\n"
	       "  target_cas: outlook.contoso.com\n"
	       "  bad_item_limit: 50\n"
	       "\n"
	       "policy:\n"
	       "  min_free_disk: 1GiB\n"
	       "  update_headroom: 2GiB\n"
	       "  hotfixes:\n"
	       "    xp: [KB944043, KB944505, KB968730, KB2535512]\n"
	       "  disable_source_accounts: true\n"
	       "\n"
	       "transport:\n"
	       "  account: desk\n"
	       "  known_hosts: known_hosts\n"
	       "  host_keys: strict\n"
	       "  timeouts: { connect: 5s, auth: 10s, command: 2m }\n"
	       "  concurrency: 256\n"
	       "\n"
	       "exec_hosts:\n"
	       "  - { name: ADMT01, role: admt, address: 10.0.0.5, concurrency: 8,"
	       " account: migrator }\n"
	       "  - { name: E2E01, role: mail, address: 10.0.0.6, concurrency: 8,"
	       " account: migrator }\n"
	       "  - { name: MGMT01, role: management, address: 10.0.0.7, concurrency: 64,"
	       " account: migrator }\n"
	       "\n",
	       nmachines, nchunks, nfloors, nmachines);
}

static void put_wall(unsigned long width)
{
	fputs("      +", stdout);
	for (unsigned long c = 2; c < width; c++)
		putchar('-');
	fputs("+\n", stdout);
}

static void put_line(unsigned long width, const char *text)
{
	unsigned long len = strlen(text), c;

	fputs("      |", stdout);
	for (c = 2; c < width; c++)
		putchar(c - 2 < len ? text[c - 2] : ' ');
	fputs("|\n", stdout);
}

/*
 * Floor layout (1-based rows): 1 wall, 2 label, 3 blank, then desk row r on
 * row 4 + 2r followed by a blank row, then the bottom wall.  Desk k of a row
 * is "[ ]" starting at column 3 + 4k; the machine sits inside it, at 4 + 4k.
 */
static void put_floors(void)
{
	char label[64];

	puts("floors:");
	for (unsigned long f = 0; f < nfloors; f++) {
		unsigned long count = floor_count(f);
		unsigned long dpr = desks_per_row(count);
		unsigned long drows = count == 0 ? 1 : (count + dpr - 1) / dpr;
		unsigned long width = 4 * dpr + 3;

		printf("  - name: F%03lu\n"
		       "    title: Floor %lu - open plan (%lu desks)\n"
		       "    map: |\n",
		       f + 1, f + 1, count);
		put_wall(width);
		snprintf(label, sizeof label, " FLOOR %lu", f + 1);
		put_line(width, label);
		put_line(width, "");
		for (unsigned long r = 0; r < drows; r++) {
			fputs("      | ", stdout);
			for (unsigned long k = 0; k < dpr; k++)
				fputs("[ ] ", stdout);
			fputs("|\n", stdout);
			put_line(width, "");
		}
		put_wall(width);
	}
	putchar('\n');
}

static void put_machines(void)
{
	unsigned long pf = per_floor();

	puts(nmachines == 0 ? "machines: []" : "machines:");
	for (unsigned long i = 0; i < nmachines; i++) {
		unsigned long f = i / pf, j = i % pf;
		unsigned long dpr = desks_per_row(floor_count(f));
		unsigned long col = 4 + 4 * (j % dpr), row = 4 + 2 * (j / dpr);
		/* 10.a.b.c with c in 1..250: unique for up to 16 million hosts. */
		unsigned long h = i % 250 + 1, rest = i / 250;
		const char *os = os_of(i);

		printf("  - { name: WS-%06lu, address: 10.%lu.%lu.%lu, os: %s, "
		       "floor: F%03lu, at: [%lu, %lu], user: u%06lu, chunk: wave-%03lu",
		       i + 1, 1 + rest / 256, rest % 256, h, os, f + 1, col, row,
		       i + 1, chunk_of(i) + 1);
		if (strcmp(os, "xp") == 0)
			fputs(", reach: via, via: MGMT01", stdout);
		printf(", outlook: %u }\n", outlook_of(i, os));
	}
	putchar('\n');
}

static void put_users(void)
{
	puts(nmachines == 0 ? "users: []" : "users:");
	for (unsigned long i = 0; i < nmachines; i++) {
		const char *dev = activesync_of(i);

		printf("  - { name: u%06lu, display_name: Test User %06lu, "
		       "email: u%06lu@fabrikam.com, chunk: wave-%03lu",
		       i + 1, i + 1, i + 1, chunk_of(i) + 1);
		if (dev != NULL)
			printf(", activesync: %s", dev);
		fputs(" }\n", stdout);
	}
	putchar('\n');
}

static void put_chunks(void)
{
	/* 2026-11-06 (a Friday) is day 20398 since the epoch; then nightly. */
	const long first_day = 20763;

	puts("chunks:");
	for (unsigned long c = 0; c < nchunks; c++) {
		int y;
		unsigned m, d;

		civil_from_days(first_day + (long)c, &y, &m, &d);
		printf("  - { name: wave-%03lu, title: Synthetic wave %lu, "
		       "cutover: \"%04d-%02u-%02uT22:00:00+01:00\" }\n",
		       c + 1, c + 1, y, m, d);
	}
}

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	int have_chunks = 0, have_floors = 0;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (parse_count(argv[1], 0, MAX_MACHINES, &nmachines) != 0) {
		fprintf(stderr, "gen_plan: N must be an integer 0..%lu\n", MAX_MACHINES);
		return 2;
	}
	for (int a = 2; a < argc; a++) {
		if (strcmp(argv[a], "--chunks") == 0 && a + 1 < argc) {
			if (parse_count(argv[++a], 1, MAX_CHUNKS, &nchunks) != 0) {
				fprintf(stderr, "gen_plan: --chunks must be 1..%lu\n", MAX_CHUNKS);
				return 2;
			}
			have_chunks = 1;
		} else if (strcmp(argv[a], "--floors") == 0 && a + 1 < argc) {
			if (parse_count(argv[++a], 1, MAX_FLOORS, &nfloors) != 0) {
				fprintf(stderr, "gen_plan: --floors must be 1..%lu\n", MAX_FLOORS);
				return 2;
			}
			have_floors = 1;
		} else {
			fprintf(stderr, "gen_plan: unexpected argument '%s'\n", argv[a]);
			usage(stderr);
			return 2;
		}
	}
	if (!have_chunks)
		nchunks = nmachines / 300 > 3 ? nmachines / 300 : 3;
	if (!have_floors)
		nfloors = nmachines / 500 > 2 ? nmachines / 500 : 2;

	setvbuf(stdout, buf, _IOFBF, sizeof buf);
	put_header();
	put_floors();
	put_machines();
	put_users();
	put_chunks();
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("gen_plan: stdout");
		return 1;
	}
	return 0;
}
