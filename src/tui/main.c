/*
 * main.c - carve's entry point: picks the subcommand.
 */
#include "cli.h"
#include "glyph.h"
#include "out.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static void print_help(FILE *f)
{
	fputs("usage: carve [--read-only | --floor | --run CHUNK] [--mouse] [--db FILE]\n"
	      "             [--password-fd N] PLAN\n"
	      "       carve COMMAND [ARGS]\n"
	      "       carve help COMMAND | --help | --version\n"
	      "\n"
	      "carve runs phased carve-out migrations from a YAML site plan and keeps\n"
	      "every outcome in a tamper-evident audit log.  With a PLAN and no command\n"
	      "it opens the console on the plan's audit log (live; --read-only for a\n"
	      "viewer that changes nothing; --floor for a technician's, which notes and\n"
	      "signs off but runs nothing; --run CHUNK starts every phase of a chunk\n"
	      "as it opens; --mouse lets clicks select).  The lead's console asks for\n"
	      "the passwords it will log on with first (--password-fd N reads\n"
	      "account:password lines from descriptor N instead).\n"
	      "\n"
	      "Commands:\n", f);
	for (const cli_command *c = cli_commands(); c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fputs("\nSee carve(1) and carve-plan(5).\n", f);
}

int main(int argc, char **argv)
{
	/* The audit log, known-hosts and any file carve writes are private. */
	umask(077);
	setlocale(LC_ALL, "");
	glyph_init();

	if (argc < 2) {
		print_help(stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		print_help(stdout);
		return EXIT_DONE;
	}
	if (strcmp(name, "--version") == 0) {
		printf("carve %s\n", CARVE_VERSION);
		return EXIT_DONE;
	}
	if (strcmp(name, "help") == 0) {
		if (argc < 3) {
			print_help(stdout);
			return EXIT_DONE;
		}
		const cli_command *c = cli_find(argv[2]);
		if (!c) {
			fprintf(stderr, "carve: no command '%s'\n", argv[2]);
			return EXIT_USAGE;
		}
		fputs(c->usage, stdout);
		return EXIT_DONE;
	}
	const cli_command *cmd = cli_find(name);
	struct stat st;
	if (!cmd && (name[0] == '-' || stat(name, &st) == 0))
		return cli_console(argc, argv);
	if (!cmd) {
		fprintf(stderr, "carve: unknown command '%s'\ntry 'carve --help'\n", name);
		return EXIT_USAGE;
	}
	if (cli_wants_help(cmd, argc - 1, argv + 1))
		return EXIT_DONE;
	/* What the subcommands print holds remote text: it is shown, never
	 * obeyed by the terminal (out.h). */
	if (!out_guard_streams()) {
		fputs("carve: cannot set up its output\n", stderr);
		return EXIT_RUNTIME;
	}
	return cmd->run(argc - 1, argv + 1);
}
