/*
 * main.c -- the command line.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gil.h"
#include "util.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: gilviz [OPTION]... [SCENARIO]\n"
		"Watch the Global Interpreter Lock at work: run a scenario of Python-like\n"
		"threads through a real GIL and show who holds it, who waits, and for how long.\n"
		"\n"
		"  -h, --help       display this help and exit\n"
		"  -V, --version    output version information and exit\n"
		"\n"
		"Exit status: 0 on success, 1 on a bad scenario or run error,\n"
		"2 on a bad command line.\n");
}

static void version(void)
{
	printf("gilviz %s\n"
	       "This is free software: you are free to change and redistribute it.\n"
	       "There is NO WARRANTY, to the extent permitted by law.\n",
	       PACKAGE_VERSION);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			version();
			return 0;
		case ':':
			fprintf(stderr, "gilviz: option '%s' requires an argument\n"
				"Try 'gilviz --help' for more information.\n", argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, "gilviz: unrecognized option '%s'\n"
				"Try 'gilviz --help' for more information.\n", argv[optind - 1]);
			return 2;
		}
	}
	usage(stdout);
	return 0;
}
