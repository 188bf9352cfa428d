/*
 * test_util.c -- durations, error messages and output files.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cu.h"
#include "util.h"

static int64_t dur(const char *s)
{
	int64_t ns = -1;
	char msg[128];
	CU_ASSERT_EQUAL_FATAL(parse_duration(s, &ns, msg, sizeof msg), 0);
	return ns;
}

static void duration_units_scale(void)
{
	CU_ASSERT_EQUAL(dur("7ns"), 7);
	CU_ASSERT_EQUAL(dur("50us"), 50000);
	CU_ASSERT_EQUAL(dur("5ms"), 5000000);
	CU_ASSERT_EQUAL(dur("2s"), 2000000000);
}

static void duration_decimals(void)
{
	CU_ASSERT_EQUAL(dur("1.5ms"), 1500000);
	CU_ASSERT_EQUAL(dur("0.1ms"), 100000);
	CU_ASSERT_EQUAL(dur(".5s"), 500000000);
}

static void duration_ignores_the_locale_and_rounds_to_ns(void)
{
	CU_ASSERT_EQUAL(dur("0.000001ms"), 1);
	CU_ASSERT_EQUAL(dur("1.0005us"), 1001);
	CU_ASSERT_EQUAL(dur("0.4ns"), 0);
	CU_ASSERT_EQUAL(dur("9223372036s"), 9223372036000000000LL);
	/* A comma is never a decimal point here, whatever LC_NUMERIC says. */
	int64_t ns;
	char msg[128];
	CU_ASSERT_EQUAL(parse_duration("1,5ms", &ns, msg, sizeof msg), -1);
}

static void duration_without_unit_is_an_error(void)
{
	int64_t ns = 42;
	char msg[128] = "";
	CU_ASSERT_EQUAL(parse_duration("10", &ns, msg, sizeof msg), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "no unit"));
	CU_ASSERT_EQUAL(ns, 42);
}

/* Zero needs no unit: --interval=0 then hears what is wrong with it. */
static void zero_needs_no_unit_and_is_no_interval(void)
{
	int64_t ns = 42;
	char msg[128] = "";
	CU_ASSERT_EQUAL(parse_duration("0", &ns, msg, sizeof msg), 0);
	CU_ASSERT_EQUAL(ns, 0);
	CU_ASSERT_EQUAL(parse_duration("0.000", &ns, msg, sizeof msg), 0);
	CU_ASSERT_EQUAL(parse_interval("0", &ns, msg, sizeof msg), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "must be greater than 0"));
	CU_ASSERT_EQUAL(parse_interval("0ms", &ns, msg, sizeof msg), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "must be greater than 0"));
	CU_ASSERT_EQUAL(parse_interval("5", &ns, msg, sizeof msg), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "no unit"));
	CU_ASSERT_EQUAL(parse_interval("1.25ms", &ns, msg, sizeof msg), 0);
	CU_ASSERT_EQUAL(ns, 1250000);
}

static void duration_bad_unit_and_junk(void)
{
	int64_t ns;
	char msg[128] = "";
	CU_ASSERT_EQUAL(parse_duration("10min", &ns, msg, sizeof msg), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "unknown unit 'min'"));
	CU_ASSERT_EQUAL(parse_duration("ms", &ns, msg, sizeof msg), -1);
	CU_ASSERT_EQUAL(parse_duration("", &ns, msg, sizeof msg), -1);
	CU_ASSERT_EQUAL(parse_duration("-5ms", &ns, msg, sizeof msg), -1);
	CU_ASSERT_EQUAL(parse_duration("99999999999999s", &ns, msg, sizeof msg), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "too long"));
}

static void error_format_names_the_place(void)
{
	struct gv_error e;
	char buf[600];
	gv_error_set(&e, "convoy.gil", 7, 9, "unknown operation '%s'", "frobnicate");
	gv_error_format(&e, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "convoy.gil:7:9: unknown operation 'frobnicate'");
	gv_error_set(&e, "x.gil", 0, 0, "file is empty");
	gv_error_format(&e, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "x.gil: file is empty");
}

static void format_duration_picks_a_unit(void)
{
	char buf[32];
	format_duration(5000000, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "5.00 ms");
	format_duration(1250000000, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "1.250 s");
	format_duration(800, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "800 ns");
	format_duration(12500, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "12.5 us");
}

/* A recording's interval event is read as it is: any 64 bits, the most
 * negative number included (negating it was undefined). */
static void format_duration_takes_any_value(void)
{
	char buf[32];
	format_duration(INT64_MIN, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "-9223372036.855 s");
	format_duration(-1500, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "-1.5 us");
}

static char *slurp(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static void outfile_replaces_its_name_only_when_committed(void)
{
	char dir[] = "/tmp/gilviz-test-util-XXXXXX";
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	char *path = xasprintf("%s/out", dir);
	FILE *old = fopen(path, "w");
	fputs("old", old);
	fclose(old);

	struct gv_error err;
	char *tmp;
	FILE *f = outfile_open(path, "the test", &tmp, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	char *want = xasprintf("%s.part", path);
	CU_ASSERT_STRING_EQUAL(tmp, want);
	fputs("new", f);
	fflush(f);
	CU_ASSERT_STRING_EQUAL(slurp(path), "old");
	/* A second writer (or one after a killed run) takes another name. */
	char *tmp2;
	FILE *g = outfile_open(path, "the test", &tmp2, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_STRING_NOT_EQUAL(tmp2, tmp);
	outfile_discard(g, tmp2);
	CU_ASSERT_NOT_EQUAL(access(tmp2, F_OK), 0);
	free(tmp2);
	CU_ASSERT_EQUAL(outfile_commit(f, tmp, path, "the test", &err), 0);
	CU_ASSERT_STRING_EQUAL(slurp(path), "new");
	CU_ASSERT_NOT_EQUAL(access(tmp, F_OK), 0);

	/* A directory that is not there: an error naming the path. */
	char *none = xasprintf("%s/none/out", dir);
	CU_ASSERT_PTR_NULL(outfile_open(none, "the test", &tmp2, &err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "cannot create the test"));

	unlink(path);
	rmdir(dir);
	free(none);
	free(want);
	free(tmp);
	free(tmp2);
	free(path);
}

static void same_file_sees_through_spellings(void)
{
	char dir[] = "/tmp/gilviz-test-util-XXXXXX";
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	char *a = xasprintf("%s/a", dir), *a2 = xasprintf("%s/../%s/./a", dir, dir + 5);
	char *b = xasprintf("%s/b", dir), *b2 = xasprintf("%s//b", dir);
	char *l = xasprintf("%s/l", dir);
	fclose(fopen(a, "w"));
	CU_ASSERT_EQUAL_FATAL(symlink(a, l), 0);
	CU_ASSERT_TRUE(same_file(a, a2));    /* both exist: by inode */
	CU_ASSERT_TRUE(same_file(a, l));     /* through a link */
	CU_ASSERT_TRUE(same_file(b, b2));    /* neither exists: by resolved path */
	CU_ASSERT_FALSE(same_file(a, b));
	CU_ASSERT_FALSE(same_file(b, a));
	unlink(l);
	unlink(a);
	rmdir(dir);
	free(a);
	free(a2);
	free(b);
	free(b2);
	free(l);
}

static const struct cu_test tests[] = {
	CU_TEST_ENTRY(duration_units_scale),
	CU_TEST_ENTRY(duration_decimals),
	CU_TEST_ENTRY(zero_needs_no_unit_and_is_no_interval),
	CU_TEST_ENTRY(duration_ignores_the_locale_and_rounds_to_ns),
	CU_TEST_ENTRY(duration_without_unit_is_an_error),
	CU_TEST_ENTRY(duration_bad_unit_and_junk),
	CU_TEST_ENTRY(error_format_names_the_place),
	CU_TEST_ENTRY(format_duration_picks_a_unit),
	CU_TEST_ENTRY(format_duration_takes_any_value),
	CU_TEST_ENTRY(outfile_replaces_its_name_only_when_committed),
	CU_TEST_ENTRY(same_file_sees_through_spellings),
	CU_TEST_END,
};

CU_MAIN("util", tests)
